import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'

import {MASK} from '../../src/lib/util/secrets.js'
import {freePort} from '../../src/testbed/processes.js'
import {insertJob} from '../../src/testbed/seed.js'
import {STOCK_REGISTERED_CLASSES} from '../../src/testbed/schema.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../src/testbed/supervisord.js'
import {TestBed} from '../../src/testbed/testbed.js'
import {submitBackgroundJob} from '../../src/testbed/workers.js'
import {type CliResult, runCli} from '../helpers/cli.js'

/**
 * The bed's database password (quotes, a backslash, `$`, non-ASCII) never appears, raw, percent-encoded or
 * JSON-escaped, in anything any command prints (human and --json), in the audit log or in metrics:
 * on success paths (destructive commands really run with --force against the bed) and on error paths
 * (MySQL refused with the password in --db, the login refused, Gearman down).
 */
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../oclif.manifest.json', import.meta.url)), 'utf8')) as {commands: Record<string, unknown>}
const commands = Object.keys(manifest.commands).filter((id) => !id.startsWith('autocomplete') && id !== 'help').sort()

let bed: TestBed
let sup: RunningSupervisord
let forms: string[]

const sv = () => ['--manager', 'supervisor', '--supervisor-config', sup.configFile]
const DROP_CLASS = 'arSecretsDropJob'

/** Arguments that make each command do its real work against the bed (setup runs right before). */
const SUCCESS: Record<string, {args: () => string[] | Promise<string[]>}> = {
  'cache:clear': {args: () => ['--symfony', '--force']},
  'config:show': {args: () => []},
  doctor: {args: () => ['--fix', '--force', ...sv()]},
  'jobs:clear': {
    args: async () => {
      await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
      return ['--inactive', '--force', '--backup', join(bed.dir, 'secrets-backup.ndjson')]
    },
  },
  'jobs:backups': {args: () => ['--prune', '--keep', '5', '--force']},
  'jobs:export': {args: () => ['--format', 'json']},
  'jobs:kill': {args: async () => [String(await insertJob(bed.database, {name: 'arObjectMoveJob', status: 'running', notes: ['n']})), '--force', '--no-queue']},
  'jobs:list': {args: () => []},
  'jobs:restore': {args: () => [join(bed.dir, 'secrets-backup.ndjson')]},
  'jobs:show': {args: async () => [String(await insertJob(bed.database, {name: 'arFindingAidJob', status: 'error', errorNote: 'boom'}))]},
  'jobs:stalled': {args: () => []},
  metrics: {args: () => []},
  'queue:cancel': {
    args: async () => {
      await submitBackgroundJob(bed.servers[0], bed.fn('arSecretsCancelJob'), 'w')
      const r = await runCli(['queue', 'jobs', '--json'], {env: bed.env()})
      const handle = /"(H:[^"]+)"/.exec(r.stdout)?.[1]
      assert.ok(handle, `a queued handle: ${r.stdout}`)
      return [handle, '--force']
    },
  },
  'queue:drop': {
    args: async () => {
      await submitBackgroundJob(bed.servers[0], bed.fn(DROP_CLASS), 'w')
      return [bed.fn(DROP_CLASS), '--force']
    },
  },
  'queue:jobs': {args: () => []},
  'queue:ping': {args: () => []},
  'queue:status': {args: () => ['--all']},
  'queue:watch': {args: () => ['--count', '1', '--all']},
  'queue:workers': {args: () => ['--all']},
  'worker:logs': {args: () => [...sv(), '-n', '20']},
  'worker:reset': {args: () => [...sv()]},
  'worker:restart': {args: () => [...sv(), '--force', '--wait', '5']},
  'worker:start': {args: () => [...sv(), '--force', '--wait', '5']},
  'worker:status': {args: () => [...sv()]},
  'worker:stop': {args: () => [...sv(), '--force', '--wait', '5']},
}

/** A plausible value for each required argument name, for the error paths. */
const SAMPLE_ARG: Record<string, string[]> = {'jobs:kill': ['1', '--force'], 'jobs:show': ['1'], 'jobs:restore': ['/nonexistent/backup.ndjson'], 'queue:cancel': ['H:x:1', '--force'], 'queue:drop': ['fn', '--force'], 'queue:watch': ['--count', '1']}

before(async () => {
  bed = await TestBed.start()
  sup = await startSupervisord(join(bed.dir, 'supervisor'), {
    programs: [{name: 'atom-worker', command: gearmanWorkerCommand(bed.servers[0], STOCK_REGISTERED_CLASSES.map((c) => bed.fn(c)))}],
  })
  const pw = bed.db.target.password!
  assert.match(pw, /['"\\$]/, 'the bed password is the distinctive one')
  forms = [pw, encodeURIComponent(pw), JSON.stringify(pw).slice(1, -1)]
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

async function assertNoSecret(r: CliResult, what: string, extra: string[] = []): Promise<void> {
  const audit = existsSync(join(bed.dir, 'audit.log')) ? await readFile(join(bed.dir, 'audit.log'), 'utf8') : ''
  for (const form of [...forms, ...extra]) {
    assert.ok(!r.stdout.includes(form), `${what}: the password (${JSON.stringify(form)}) on stdout:\n${r.stdout.slice(0, 3000)}`)
    assert.ok(!r.stderr.includes(form), `${what}: the password on stderr:\n${r.stderr}`)
    assert.ok(!audit.includes(form), `${what}: the password in the audit log`)
  }
  assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+\)?$/m, `${what}: no stack trace`)
}

describe('the database password never appears', () => {
  test('every command has a success-path case', () => {
    assert.deepEqual(commands.filter((id) => !SUCCESS[id]), [])
  })

  /** Commands that change nothing run concurrently first; the others one after the other (clear before restore, stop before start). */
  const READ_ONLY = new Set(['config:show', 'jobs:export', 'jobs:list', 'jobs:show', 'jobs:stalled', 'metrics', 'queue:jobs', 'queue:ping', 'queue:status', 'queue:watch', 'queue:workers', 'worker:logs', 'worker:status'])
  for (const readOnly of [true, false]) describe(`success paths, human and --json (${readOnly ? 'read-only, concurrently' : 'destructive, in order'})`, {concurrency: readOnly ? 3 : 1}, () => {
    for (const id of Object.keys(SUCCESS).filter((c) => READ_ONLY.has(c) === readOnly)) {
      // start and restart wait for Gearman to show the workers again (seconds): one form each.
      const forms = id === 'worker:restart' ? [false] : id === 'worker:start' ? [true] : [false, true]
      for (const json of forms) {
        test(`${id.replace(/:/g, ' ')}${json ? ' --json' : ''}`, async () => {
          const r = await runCli([...id.split(':'), ...(await SUCCESS[id].args()), ...(json ? ['--json'] : []), '--timeout', '3'], {env: bed.env(), timeoutMs: 60_000})
          assert.notEqual(r.signal, 'SIGKILL', `hung: ${r.stderr}`)
          assert.ok(r.code !== null && r.code <= 6, `exit ${r.code}: ${r.stderr}`)
          await assertNoSecret(r, id)
        })
      }
    }
  })

  test('the destructive commands really ran (the success paths are not vacuous)', async () => {
    const audit = await readFile(join(bed.dir, 'audit.log'), 'utf8')
    for (const cmd of ['jobs:clear', 'jobs:kill', 'queue:cancel', 'queue:drop', 'cache:clear', 'worker:restart']) {
      assert.match(audit, new RegExp(`"command":"${cmd}".*"outcome":"(done|partial)"`), cmd)
    }
  })

  test('config show masks it (human and --json)', async () => {
    const human = await runCli(['config', 'show'], {env: bed.env()})
    assert.equal(human.code, 0, human.stderr)
    assert.ok(human.stdout.includes(MASK), human.stdout)
    const json = await runCli(['config', 'show', '--json'], {env: bed.env()})
    assert.equal(json.code, 0, json.stderr)
    assert.ok(JSON.stringify(json.json).includes(MASK))
    await assertNoSecret(human, 'config show')
    await assertNoSecret(json, 'config show --json')
  })

  describe('error paths', {concurrency: 3}, () => {
    let refused: number
    before(async () => {
      refused = await freePort()
    })
    const user = () => encodeURIComponent(bed.db.target.user)
    const pw = () => encodeURIComponent(bed.db.target.password!)
    const FAULTS: Record<string, () => string[]> = {
      'MySQL refused, the password in --db': () => ['--db', `mysql://${user()}:${pw()}@127.0.0.1:${refused}/${bed.db.target.database}`],
      'the login refused (a wrong password that contains the real one)': () => [
        '--db',
        `mysql://${user()}:${pw()}${encodeURIComponent('-wrong')}@${bed.db.target.host}:${bed.db.target.port}/${bed.db.target.database}`,
      ],
      'Gearman down': () => ['--gearman', `127.0.0.1:${refused}`],
    }
    let i = 0
    for (const [fault, flags] of Object.entries(FAULTS)) {
      // The worker commands talk to Gearman, not MySQL (the --db URL itself is covered by every other command).
      for (const id of commands.filter((c) => fault === 'Gearman down' || !c.startsWith('worker:'))) {
        const json = i++ % 2 === 1
        test(`${fault}: ${id.replace(/:/g, ' ')}${json ? ' --json' : ''}`, async () => {
          const extra = id.startsWith('worker') || id === 'doctor' ? sv() : []
          const r = await runCli([...id.split(':'), ...(SAMPLE_ARG[id] ?? []), ...extra, ...flags(), ...(json ? ['--json'] : []), '--timeout', '2'], {env: bed.env(), timeoutMs: 60_000})
          assert.notEqual(r.signal, 'SIGKILL', `hung: ${r.stderr}`)
          await assertNoSecret(r, `${id} (${fault})`, [`${bed.db.target.password}-wrong`])
        })
      }
    }
  })
})

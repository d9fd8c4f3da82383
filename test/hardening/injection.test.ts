import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {cp, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {insertJob, insertUser} from '../../src/testbed/seed.js'
import {type RunningSupervisord, startSupervisord} from '../../src/testbed/supervisord.js'
import {TestBed} from '../../src/testbed/testbed.js'
import {type CliResult, runCli} from '../helpers/cli.js'

/**
 * Hostile text in every place atom-ops shows data from (job names, notes, usernames, properties,
 * Gearman function names, workers_key, host names, a worker's log): quotes, `;`, backticks, `$()`,
 * newlines, CR and terminal escape sequences. Human output shows it inert (escaped, no raw ESC, CR, BEL
 * or C1 bytes), --json carries it exactly, nothing of it runs, and SQL in a filter is data.
 */
const CANARY = '/tmp/atom-ops-injection-canary'
const SHELL = `$(touch ${CANARY}) \`touch ${CANARY}\``
const TERMINAL = '\x1b[2J\x1b]0;title\x07\x9b31m'
const PAYLOAD = `inj' "x"; ${SHELL} a\nb\rc ${TERMINAL} end`
/** Function names travel in gearmand's line protocols: no whitespace there. */
const FN_PAYLOAD = `Inj';$(id>${CANARY})\`id>${CANARY}\`\x1b[2J\x1b]0;t\x07\x9b`
const RAW_CONTROL = /[\x1b\r\x07\x9b]/
const ESCAPED = '\\u001b[2J'
/** supervisord's XML-RPC cannot carry C0 controls (atom-ops says so, exit 6): the log holds the rest, and a C1 CSI. */
const LOG_PAYLOAD = `log' "x"; ${SHELL} \x9b31m end`

let bed: TestBed
let sup: RunningSupervisord
let runningId: number
let doneId: number
let userId: number
const LOG_PROGRAM = 'inj-logger'
const ESC_LOG_PROGRAM = 'inj-esc-logger'
const logger = (name: string, text: string) => ({
  name,
  command: [process.execPath, '-e', `process.stdout.write(Buffer.from('${Buffer.from(text + '\n', 'utf8').toString('hex')}','hex'));setTimeout(()=>{},60000)`],
  startsecs: 0,
})

before(async () => {
  await rm(CANARY, {force: true})
  bed = await TestBed.start()
  userId = await insertUser(bed.database, `u${PAYLOAD}`)
  runningId = await insertJob(bed.database, {
    name: `arObjectMoveJob${PAYLOAD}`,
    status: 'running',
    userId,
    createdAt: new Date(Date.now() - 3 * 3_600_000),
    notes: [`note ${PAYLOAD}`],
    properties: {[`prop${PAYLOAD}`]: `value ${PAYLOAD}`},
  })
  doneId = await insertJob(bed.database, {name: `arFindingAidJob${PAYLOAD}`, status: 'error', userId, errorNote: `error ${PAYLOAD}`, output: `output ${PAYLOAD}`})
  await bed.startWorker([FN_PAYLOAD, 'arFindingAidJob'])
  // Workers whose logs hold the payloads (bytes as given), written by programs run from argument arrays.
  sup = await startSupervisord(join(bed.dir, 'supervisor'), {programs: [logger(LOG_PROGRAM, LOG_PAYLOAD), logger(ESC_LOG_PROGRAM, `log ${PAYLOAD}`)]})
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--timeout', '3'], {env: bed.env(env), timeoutMs: 60_000})

/** Human output: no raw control byte of the payload, its escaped form visible. */
function assertInert(r: CliResult, what: string, visible: string | null = ESCAPED): void {
  assert.doesNotMatch(r.stdout, RAW_CONTROL, `${what}: raw control bytes on stdout:\n${JSON.stringify(r.stdout.slice(0, 3000))}`)
  assert.doesNotMatch(r.stderr, RAW_CONTROL, `${what}: raw control bytes on stderr: ${JSON.stringify(r.stderr)}`)
  if (visible) assert.ok(r.stdout.includes(visible), `${what}: the escaped form is shown:\n${r.stdout.slice(0, 3000)}`)
  assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+\)?$/m, `${what}: no stack trace`)
}

/** RFC 4180 as PHP's fputcsv writes it (fields quoted with ", quotes doubled, newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(cell), (cell = '')
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '')
    else cell += c
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row)
  return rows
}

/** --json: somewhere a string holds the payload exactly. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) strings(v, out)
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out)
  return out
}
function assertExact(r: CliResult, what: string, needle = PAYLOAD): void {
  assert.ok(r.json !== undefined, `${what}: JSON on stdout: ${r.stdout.slice(0, 500)} ${r.stderr}`)
  assert.ok(
    strings(r.json).some((s) => s.includes(needle)),
    `${what}: the payload round-trips exactly: ${JSON.stringify(r.json).slice(0, 2000)}`,
  )
}

describe('hostile text is shown inert, carried exactly and never run', {concurrency: 3}, () => {
  /** visible: the escaped form is in the table (not where a column is abbreviated); needle: what --json carries exactly (null: not checked). */
  const VIEWS: Array<{name: string; args: () => string[]; needle?: string | null; visible?: string | null}> = [
    {name: 'jobs list', args: () => ['jobs', 'list']},
    {name: 'jobs show (running)', args: () => ['jobs', 'show', String(runningId)]},
    {name: 'jobs show (error)', args: () => ['jobs', 'show', String(doneId)]},
    {name: 'jobs stalled', args: () => ['jobs', 'stalled', '--older-than', '1h']},
    {name: 'queue status --all', args: () => ['queue', 'status', '--all'], needle: FN_PAYLOAD},
    {name: 'queue workers --all', args: () => ['queue', 'workers', '--all'], needle: FN_PAYLOAD, visible: null},
    {name: 'doctor', args: () => ['doctor'], needle: null},
    {name: 'worker logs (supervisord)', args: () => ['worker', 'logs', '--manager', 'supervisor', '--supervisor-config', sup.configFile, '--unit', LOG_PROGRAM, '-n', '20'], needle: LOG_PAYLOAD, visible: '\\u009b31m'},
    {name: 'config show --workers-key', args: () => ['config', 'show', '--workers-key', PAYLOAD]},
  ]
  for (const v of VIEWS) {
    test(`${v.name}: inert in the table`, async () => {
      const r = await cli(v.args())
      assert.ok(r.code !== null && r.code <= 4, `exit ${r.code}: ${r.stderr}`)
      assertInert(r, v.name, v.visible)
    })
    test(`${v.name}: exact in --json`, async () => {
      const r = await cli([...v.args(), '--json'])
      assert.ok(r.code !== null && r.code <= 4, `exit ${r.code}: ${r.stderr}`)
      if (v.needle === null) assert.ok(r.json !== undefined, r.stdout)
      else assertExact(r, v.name, v.needle)
    })
  }

  test('workers_key from app.yml (a YAML escape): inert in config show and queue status, exact in --json', async () => {
    const root = join(bed.dir, 'variant')
    await cp(bed.realRoot, root, {recursive: true})
    await writeFile(join(root, 'config', 'app.yml'), `all:\n  workers_key: ${JSON.stringify(PAYLOAD).replace(/\\u001b/g, '\\e')}\n`)
    for (const args of [['config', 'show'], ['queue', 'status']]) {
      const human = await cli(args, {ATOM_OPS_ATOM_ROOT: root})
      assert.ok(human.code === 0 || human.code === 4, `${args.join(' ')}: exit ${human.code} ${human.stderr}`)
      assertInert(human, args.join(' '), args[0] === 'config' ? ESCAPED : null)
    }
    const json = await cli(['config', 'show', '--json'], {ATOM_OPS_ATOM_ROOT: root})
    assertExact(json, 'config show --json')
  })

  test('worker logs of a log with escape sequences: a clear error (exit 6), the message inert', async () => {
    const r = await cli(['worker', 'logs', '--manager', 'supervisor', '--supervisor-config', sup.configFile, '--unit', ESC_LOG_PROGRAM, '-n', '20'])
    assert.equal(r.code, 6, r.stdout + r.stderr)
    assert.match(r.stderr, /^atom-ops: .*\n {2}hint: .*\n$/)
    assertInert(r, 'worker logs (escapes)', null)
  })

  test('jobs export: CSV and NDJSON files round-trip the payload', async () => {
    const csvFile = join(bed.dir, 'export.csv')
    const csv = await cli(['jobs', 'export', '--output', csvFile])
    assert.equal(csv.code, 0, csv.stderr)
    assertInert(csv, 'jobs export --output', null)
    const rows = parseCsv(await readFile(csvFile, 'utf8'))
    assert.ok(rows.some((row) => row.some((cell) => cell.includes(PAYLOAD))), JSON.stringify(rows).slice(0, 2000))
    const nd = await cli(['jobs', 'export', '--format', 'ndjson'])
    assert.equal(nd.code, 0, nd.stderr)
    const docs = nd.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(strings(docs).some((s) => s.includes(PAYLOAD)))
  })

  test('SQL in filters is data: nothing matches, the tables are intact', async () => {
    const before = await bed.database.rows<{n: number}>('SELECT COUNT(*) AS n FROM job')
    for (const args of [
      ['jobs', 'list', '--name', "x';DROP TABLE job;--", '--json'],
      ['jobs', 'list', '--user', "x' OR '1'='1", '--json'],
      ['jobs', 'list', '--name', `*${"'); DELETE FROM object; --"}*`, '--json'],
      ['jobs', 'clear', '--name', "x';DELETE FROM job;--", '--force', '--json'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
      const n = r.json.total ?? r.json.plan?.total
      assert.equal(n, 0, `${args.join(' ')} matched nothing: ${r.stdout.slice(0, 500)}`)
    }
    // The payload name itself is found exactly (quotes and all) by --name.
    const exact = await cli(['jobs', 'list', '--name', `arFindingAidJob${PAYLOAD}`, '--json'])
    assert.equal(exact.json.total, 1, exact.stdout)
    const after = await bed.database.rows<{n: number}>('SELECT COUNT(*) AS n FROM job')
    assert.deepEqual(after, before)
  })

  test('a host name with a shell payload is not run (ssh gets an argument array)', async () => {
    const r = await cli(['worker', 'status', '--host', `x${SHELL}`, '--manager', 'systemd'])
    assert.ok(r.code === 2 || r.code === 4, `exit ${r.code}: ${r.stdout} ${r.stderr}`)
    assertInert(r, 'worker status --host', null)
  })
})

test('nothing of the payloads ran', () => {
  assert.ok(!existsSync(CANARY), `${CANARY} was created: a payload was executed`)
})

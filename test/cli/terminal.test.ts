/**
 * The CLI on a real terminal (a pseudo-terminal from script(1)) against real MariaDB and gearmand:
 * it reads the terminal's width, pages long output through $PAGER, colours only where it should,
 * and --quiet, --verbose and -y/--yes do what they say. Pipes are checked alongside.
 */
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {runCli} from '../helpers/cli.js'
import {hasScript, plainScreen, runInPty} from '../helpers/pty.js'
import {insertDescription, insertJob, insertUser} from '../support/testbed/seed.js'
import {TestBed} from '../support/testbed/testbed.js'

const CSV = 'arInformationObjectCsvExportJob'
const XML = 'arInformationObjectXmlExportJob'
const HOUR = 3_600_000
const noScript = !hasScript && 'script(1) not installed'

let bed: TestBed
/** The stand-in pager: records its arguments and what it was given, then shows a marker. */
let pager: {command: string; log: string; input: string}

before(async () => {
  bed = await TestBed.start()
  const db = bed.database
  const archivist = await insertUser(db, 'digitisation-lead')
  const fonds = await insertDescription(
    db,
    'Hudson Bay Company fonds',
    'hudson-bay-company-fonds-series-3-correspondence',
  )
  const now = Date.now()
  for (let i = 0; i < 14; i++) {
    await insertJob(db, {
      name: i % 2 ? CSV : XML,
      status: i < 12 ? 'running' : 'completed',
      userId: archivist,
      objectId: fonds,
      createdAt: new Date(now - (2 + i) * HOUR),
    })
  }

  await bed.startWorker([CSV, XML, 'arFindingAidJob'])
  const script = join(bed.dir, 'pager.sh')
  pager = {command: `sh ${script} --from-test`, log: join(bed.dir, 'pager.log'), input: join(bed.dir, 'pager.in')}
  await writeFile(
    script,
    `echo "called $*" >> '${pager.log}'\nenv > '${pager.log}.env'\ncat > '${pager.input}'\necho PAGER-SHOWED-IT\n`,
  )
})
after(async () => {
  await bed?.stop()
})

const longest = (lines: string[]) => Math.max(...lines.map((l) => l.length))
/** The lines of the first table on the screen: its header, rule and rows. */
function firstTable(screen: string): string[] {
  const lines = screen.split('\n')
  const rule = lines.findIndex((l) => /^-+( {2}-+)+$/.test(l))
  assert.ok(rule > 0, `no table on the screen:\n${screen}`)
  const end = lines.findIndex((l, i) => i > rule && (l === '' || l.startsWith('(') || /^\d+ jobs?\b/.test(l)))
  return lines.slice(rule - 1, end)
}

describe('tables fit the terminal the CLI runs in', {skip: noScript}, () => {
  test('jobs list at 80 columns: every table line fits, names cut in the middle stay distinct, the left-out columns are named', async () => {
    const r = await runInPty(['jobs', 'list'], {env: bed.env(), columns: 80})
    assert.equal(r.code, 0, r.output)
    const screen = plainScreen(r.output)
    const table = firstTable(screen)
    assert.ok(longest(table) <= 80, screen)
    const names = new Set(table.slice(2).map((l) => l.trim().split(/ {2,}/)[1]))
    assert.equal(names.size, 2, screen)
    for (const name of names) assert.match(name, /^arInforma\S*…\S*ExportJob$/)
    assert.match(screen, /\(not shown at 80 columns: [a-z, ]+; --wide shows all\)/)
    assert.doesNotMatch(screen, /│/)
  })

  test('jobs list at 200 columns: full names and every column', async () => {
    const r = await runInPty(['jobs', 'list'], {env: bed.env(), columns: 200})
    const screen = plainScreen(r.output)
    assert.match(screen, new RegExp(CSV))
    assert.match(screen, /hudson-bay-company-fonds-series-3-correspondence/)
    assert.match(screen, /^ +id {2}name +status +user +started +completed +duration\/age +related$/m)
    assert.doesNotMatch(screen, /not shown/)
  })

  test('--wide on a narrow terminal, and a pipe: the full table with borders', async () => {
    const wide = plainScreen(
      (await runInPty(['jobs', 'list', '--wide', '--no-pager'], {env: bed.env(), columns: 80})).output,
    )
    const piped = await runCli(['jobs', 'list'], {env: bed.env()})
    for (const text of [wide, piped.stdout]) {
      assert.match(text, /│ id +│ name +│ status +│ user +│ started +│ completed +│ duration\/age │ related +│/)
      assert.match(text, new RegExp(`│ ${XML} │`))
    }
  })

  test('--columns picks the columns, checked when the flags are parsed', async () => {
    const r = await runInPty(['jobs', 'list', '--columns', 'name,id'], {env: bed.env(), columns: 80})
    assert.match(plainScreen(r.output), /^name +id$/m)
    const bad = await runCli(['jobs', 'list', '--columns', 'name,colour'], {env: bed.env()})
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^atom-ops: .*colour.*/)
  })

  test('queue status at 80 columns: one server and one install said once above the table', async () => {
    const r = await runInPty(['queue', 'status'], {env: bed.env(), columns: 80})
    const screen = plainScreen(r.output)
    assert.match(screen, /^server: 127\.0\.0\.1:\d+$/m)
    assert.match(screen, /^install: this install$/m)
    assert.ok(longest(firstTable(screen)) <= 80, screen)
  })

  for (const [columns, shown] of [
    [80, (s: string) => s.includes(CSV) && s.includes(XML)],
    [50, (s: string) => /arInformat…CsvExportJob/.test(s) && /arInformat…XmlExportJob/.test(s)],
  ] as const) {
    test(`queue watch at ${columns} columns: the two export jobs stay apart`, async () => {
      const r = await runInPty(['queue', 'watch', '--interval', '0.3'], {
        env: bed.env(),
        columns,
        answers: [{when: /arFindingAidJob/, type: 'q'}],
      })
      assert.equal(r.code, 0, r.output)
      const screen = plainScreen(r.output)
      assert.ok(shown(screen), screen)
      assert.doesNotMatch(screen, /arInformationObject~/)
    })
  }
})

describe('long output goes through $PAGER on a terminal only', {skip: noScript}, () => {
  beforeEach(async () => {
    await rm(pager.log, {force: true})
    await rm(pager.input, {force: true})
  })
  const small = {columns: 120, rows: 10}

  test('longer than the screen: the pager gets the output and shows it', async () => {
    const r = await runInPty(['jobs', 'list'], {env: bed.env({PAGER: pager.command}), ...small})
    assert.equal(r.code, 0, r.output)
    assert.equal(await readFile(pager.log, 'utf8'), 'called --from-test\n')
    const given = await readFile(pager.input, 'utf8')
    assert.match(given, /arInforma\S*XmlExportJob/)
    assert.match(given, /14 jobs\.\n$/)
    assert.match(r.output, /PAGER-SHOWED-IT/)
    assert.doesNotMatch(r.output, /XmlExportJob/, 'the pager, not atom-ops, drew the table')
    const env = await readFile(`${pager.log}.env`, 'utf8')
    assert.doesNotMatch(
      env,
      /^ATOM_OPS_/m,
      'the pager sees no ATOM_OPS_* variable (the database password may be there)',
    )
    assert.match(env, /^LESS=FRX$/m)
    assert.match(env, /^TERM=xterm$/m)
  })

  test('$ATOM_OPS_PAGER wins over $PAGER', async () => {
    await runInPty(['jobs', 'list'], {env: bed.env({PAGER: 'false', ATOM_OPS_PAGER: pager.command}), ...small})
    assert.ok(existsSync(pager.log))
  })

  // null: the stand-in pager (known once the bed is up).
  for (const [name, args, PAGER] of [
    ['--no-pager', ['jobs', 'list', '--no-pager'], null],
    ['--json', ['jobs', 'list', '--json'], null],
    ['PAGER=cat', ['jobs', 'list'], 'cat'],
    ['PAGER empty', ['jobs', 'list'], ''],
    ['output shorter than the screen', ['queue', 'ping'], null],
  ] as const) {
    test(`not paged: ${name}`, async () => {
      const r = await runInPty([...args], {env: bed.env({PAGER: PAGER ?? pager.command}), ...small})
      assert.equal(r.code, 0, r.output)
      assert.ok(!existsSync(pager.log), `the pager was called:\n${r.output}`)
      assert.match(r.output, args[1] === 'ping' ? /ok/ : /arInforma\S*XmlExportJob/)
    })
  }

  test('not paged: a pipe, whatever $PAGER says', async () => {
    const r = await runCli(['jobs', 'list'], {env: bed.env({PAGER: pager.command})})
    assert.equal(r.code, 0, r.stderr)
    assert.ok(!existsSync(pager.log))
    assert.match(r.stdout, /14 jobs\./)
  })
})

describe('colour: on a terminal only, NO_COLOR, --no-color, FORCE_COLOR', {skip: noScript}, () => {
  const bold = /\u001B\[1m +id {2}name/

  test('a terminal: a bold header (util.styleText)', async () => {
    assert.match((await runInPty(['jobs', 'list', '--no-pager'], {env: bed.env(), columns: 200})).output, bold)
  })

  for (const [name, args, env] of [
    ['NO_COLOR', [], {NO_COLOR: '1'}],
    ['--no-color', ['--no-color'], {}],
    ['--no-color over FORCE_COLOR', ['--no-color'], {FORCE_COLOR: '1'}],
  ] as const) {
    test(`no escape codes at all on a terminal with ${name}`, async () => {
      const r = await runInPty(['jobs', 'list', '--no-pager', ...args], {env: bed.env(env), columns: 200})
      assert.equal(r.code, 0, r.output)
      assert.match(r.output, new RegExp(XML))
      assert.doesNotMatch(r.output, /\u001B/)
    })
  }

  test("--no-color: the confirmation prompt is plain too (it is coloured without it, also where CI is set, which turns off inquirer's own colour check)", async () => {
    const colours = /\u001B\[(1|2|3\d|9\d)m/
    const ask = (flags: string[]) =>
      runInPty(['jobs', 'clear', ...flags, '--name', CSV], {
        env: bed.env({CI: 'true'}),
        columns: 200,
        answers: [{when: /Delete \d+ job/, type: 'n\r'}],
      })
    const coloured = await ask([])
    assert.equal(coloured.code, 5, coloured.output)
    assert.match(coloured.output.slice(coloured.output.indexOf('Delete')), colours)
    const plain = await ask(['--no-color'])
    assert.equal(plain.code, 5, plain.output)
    assert.match(plain.output, /Delete 7 job\(s\)\?/)
    assert.doesNotMatch(plain.output, colours)
  })

  test('a pipe: no colour, unless FORCE_COLOR or --color', async () => {
    assert.doesNotMatch((await runCli(['jobs', 'list'], {env: bed.env()})).stdout, /\u001B/)
    assert.match(
      (await runCli(['jobs', 'list'], {env: bed.env({FORCE_COLOR: '1'})})).stdout,
      /│ \u001B\[1mid\u001B\[22m +│/,
    )
    assert.match(
      (await runCli(['jobs', 'list', '--color'], {env: bed.env({NO_COLOR: '1'})})).stdout,
      /│ \u001B\[1mid\u001B\[22m +│/,
    )
    const json = await runCli(['jobs', 'list', '--json'], {env: bed.env({FORCE_COLOR: '1'})})
    assert.equal(json.json.total, 14)
    assert.doesNotMatch(json.stdout, /\u001B/)
  })
})

describe('--quiet, --verbose, -y/--yes', () => {
  test('--verbose lists every in-progress row of a clear plan; by default the first 10 and counts', async () => {
    const plain = await runCli(['jobs', 'clear', '--dry-run'], {env: bed.env()})
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout, /12 jobs in progress among them/)
    assert.match(plain.stdout, /by Gearman state: 12 zombie/)
    assert.match(plain.stdout, new RegExp(`by class: 6 ${XML}, 6 ${CSV}|by class: 6 ${CSV}, 6 ${XML}`))
    assert.match(plain.stdout, /\.\.\. and 2 more in progress \(--verbose lists every one/)
    const rows = (text: string) => (text.match(/│ zombie/g) ?? []).length
    assert.equal(rows(plain.stdout), 10)
    const verbose = await runCli(['jobs', 'clear', '--dry-run', '--verbose'], {env: bed.env()})
    assert.equal(rows(verbose.stdout), 12)
    assert.doesNotMatch(verbose.stdout, /more in progress/)
  })

  test('--quiet: the result without notes; a dry run still shows its plan', async () => {
    const list = await runCli(['jobs', 'list', '-q'], {env: bed.env()})
    assert.match(list.stdout, new RegExp(XML))
    assert.doesNotMatch(list.stdout, /14 jobs\./)
    const dry = await runCli(['jobs', 'clear', '--dry-run', '--quiet'], {env: bed.env()})
    assert.match(dry.stdout, /14 jobs will be deleted/)
    assert.doesNotMatch(dry.stdout, /Dry run: nothing was changed/)
    const both = await runCli(['jobs', 'list', '--quiet', '--verbose'], {env: bed.env()})
    assert.equal(both.code, 2)
  })

  test('-y is --force: a scripted clear, with --quiet printing only what was deleted and the backup', async () => {
    const id = await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'completed',
      createdAt: new Date(Date.now() - 30 * HOUR),
    })
    const refused = await runCli(['jobs', 'clear', '--name', 'arFindingAidJob'], {env: bed.env()})
    assert.equal(refused.code, 5)
    assert.match(refused.stderr, /--force \(or -y\)/)
    const r = await runCli(['jobs', 'clear', '--name', 'arFindingAidJob', '-y', '-q'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.match(lines[0], /^Deleted 1 job in 1 batch/)
    assert.match(lines[1], /^Backup: /)
    assert.equal(lines.length, 2, r.stdout)
    assert.equal((await bed.database.rows('SELECT id FROM job WHERE id = ?', [id])).length, 0)
    const again = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
    const yes = await runCli(['jobs', 'clear', '--name', 'arFindingAidJob', '--yes', '--no-backup', '--json'], {
      env: bed.env(),
    })
    assert.equal(yes.code, 0, yes.stderr)
    assert.equal(yes.json.deleted, 1)
    assert.equal((await bed.database.rows('SELECT id FROM job WHERE id = ?', [again])).length, 0)
  })
})

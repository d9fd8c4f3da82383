import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {cp, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/cli.js'
import {insertJob} from '../support/testbed/seed.js'
import {TestBed} from '../support/testbed/testbed.js'

/**
 * A corpus of malformed input (configuration files, URLs, addresses, ids, durations, handles, names,
 * flag combinations), each run through the built CLI against a real bed: a documented exit code, one
 * `atom-ops:` line and at most a hint on stderr, no stack trace, nothing on stdout, nothing written
 * (the bed's files, the audit log and the database's row counts are the same afterwards), and never a hang.
 * Cases are data: a new malformed input is one row.
 */

interface Case {
  name: string
  args: string[]
  /** Files replacing the install's (relative to its root; null deletes), or an atom-ops config file. */
  install?: Record<string, string | null | {dir: true}>
  profile?: string
  env?: Record<string, string>
  code: number
}

const CANARY = '/tmp/atom-ops-corpus-canary'
const cases: Case[] = []
const add = (c: Case) => cases.push(c)
/** doctor reports with Nagios codes: usage and config errors are UNKNOWN (3) there. */
const codeFor = (args: string[], code: number) => (args[0] === 'doctor' ? 3 : code)

// ---------------------------------------------------------------------------------------------------
// AtoM's config.php: not parsable, or not literal (never executed).
const DSN = "'dsn' => 'mysql:dbname=atom;host=127.0.0.1;port=3306'"
const phpConfig = (param: string) =>
  `<?php\nreturn array('all' => array('propel' => array('class' => 'sfPropelDatabase', 'param' => array(${param}))));\n`
const CONFIG_PHP: Record<string, string | null | {dir: true}> = {
  'a syntax error': "<?php\nreturn array('all' => array(\n",
  'an empty file': '',
  'plain text': 'hello, not PHP at all\n',
  'binary garbage': '\u0000\u0001\u00FF\u00FE<?php \u0000',
  'no return': "<?php\n$config = array('all' => 1);\n",
  'a string returned': "<?php\nreturn 'mysql:host=x';\n",
  'a backtick shell command as the DSN': phpConfig(
    `'dsn' => \`touch ${CANARY}\`, 'username' => 'atom', 'password' => 'x'`,
  ),
  'a getenv() call as the password': phpConfig(`${DSN}, 'username' => 'atom', 'password' => getenv('DB_PASS')`),
  'a concatenated password': phpConfig(`${DSN}, 'username' => 'atom', 'password' => 'a' . 'b'`),
  'an interpolated string': phpConfig(`${DSN}, 'username' => "$user", 'password' => 'x'`),
  'a constant': phpConfig(`${DSN}, 'username' => DB_USER, 'password' => 'x'`),
  'an include': `<?php\nreturn include '/etc/passwd';\n`,
  'a closure': phpConfig(
    `${DSN}, 'username' => (function () { touch('${CANARY}'); return 'atom'; })(), 'password' => 'x'`,
  ),
  'no DSN': phpConfig(`'username' => 'atom', 'password' => 'x'`),
  'a PostgreSQL DSN': phpConfig(`'dsn' => 'pgsql:host=127.0.0.1;dbname=atom', 'username' => 'atom', 'password' => 'x'`),
  'a DSN port that is not a number': phpConfig(
    `'dsn' => 'mysql:host=127.0.0.1;port=abc;dbname=atom', 'username' => 'atom', 'password' => 'x'`,
  ),
  'a DSN port out of range': phpConfig(
    `'dsn' => 'mysql:host=127.0.0.1;port=99999;dbname=atom', 'username' => 'atom', 'password' => 'x'`,
  ),
  'a DSN without a database': phpConfig(
    `'dsn' => 'mysql:host=127.0.0.1;port=3306', 'username' => 'atom', 'password' => 'x'`,
  ),
  'a DSN that is an array': phpConfig(`'dsn' => array('mysql'), 'username' => 'atom', 'password' => 'x'`),
  'a username that is an array': phpConfig(`${DSN}, 'username' => array('atom'), 'password' => 'x'`),
  'propel that is a string': "<?php\nreturn array('all' => array('propel' => 'x'));\n",
  'a missing file': null,
  'a directory': {dir: true},
}
/** Config-file cases rotate through commands that read the file (a destructive one among them). */
const rotate = <T>(list: T[], i: number): T => list[i % list.length]
const CONFIG_COMMANDS = [
  ['config', 'show'],
  ['jobs', 'clear', '--inactive', '--force'],
  ['jobs', 'list'],
]
for (const [i, [name, content]] of Object.entries(CONFIG_PHP).entries()) {
  const args = rotate(CONFIG_COMMANDS, i)
  add({name: `config.php: ${name}: ${args.join(' ')}`, args, install: {'config/config.php': content}, code: 3})
}

// gearman.yml and app.yml: broken YAML, bad server addresses, wrong types.
const gearmanYml = (servers: string) =>
  `all:\n  servers:\n${servers}\n  worker_types:\n    general:\n      - arFindingAidJob\n`
const GEARMAN_YML: Record<string, string> = {
  'an unclosed flow sequence': 'all:\n  servers: [127.0.0.1:4730\n',
  'a tab indentation': 'all:\n\tservers:\n\t\tdefault: 127.0.0.1:4730\n',
  'a bad mapping': 'all:\n  servers:\n    default: 127.0.0.1:4730\n   bad: indentation: here\n',
  'a list at the top': '- 127.0.0.1:4730\n',
  'a scalar at the top': 'just a string\n',
  'an alias bomb': `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [${Array.from({length: 9}).fill('*a').join(',')}]\nc: &c [${Array.from({length: 9}).fill('*b').join(',')}]\nd: &d [${Array.from({length: 9}).fill('*c').join(',')}]\ne: &e [${Array.from({length: 9}).fill('*d').join(',')}]\nf: &f [${Array.from({length: 9}).fill('*e').join(',')}]\nall:\n  servers: *f\n`,
  'servers as a number': 'all:\n  servers: 42\n',
  'a server host:port:port': gearmanYml('    default: 127.0.0.1:1:2'),
  'a server without a host': gearmanYml("    default: ':4730'"),
  'a server port out of range': gearmanYml('    default: 127.0.0.1:99999'),
  'a server port that is not a number': gearmanYml('    default: 127.0.0.1:abc'),
  'a server with a space': gearmanYml("    default: 'gear man:4730'"),
  'a server that looks like an option': gearmanYml("    default: '-oProxyCommand=x:4730'"),
  'a server that is a mapping': gearmanYml('    default:\n      host: 127.0.0.1'),
  'a server with a shell substitution': gearmanYml(`    default: '$(touch ${CANARY}):4730'`),
  'worker_types as a string': 'all:\n  servers:\n    default: 127.0.0.1:4730\n  worker_types: general\n',
}
for (const [i, [name, content]] of Object.entries(GEARMAN_YML).entries()) {
  const args = rotate(
    [
      ['config', 'show'],
      ['queue', 'status'],
      ['queue', 'drop', 'fn', '--force'],
    ],
    i,
  )
  add({name: `gearman.yml: ${name}: ${args.join(' ')}`, args, install: {'config/gearman.yml': content}, code: 3})
}

const APP_YML: Record<string, string> = {
  'an unclosed quote': "all:\n  workers_key: 'abc\n",
  'workers_key as a mapping': 'all:\n  workers_key:\n    a: 1\n',
  'a scalar at the top': '42\n',
  'a list at the top': '- workers_key\n',
}
for (const [i, [name, content]] of Object.entries(APP_YML).entries()) {
  const args = rotate(
    [
      ['config', 'show'],
      ['queue', 'workers'],
    ],
    i,
  )
  add({name: `app.yml: ${name}: ${args.join(' ')}`, args, install: {'config/app.yml': content}, code: 3})
}

// atom-ops' own profile file.
const PROFILE: Record<string, string> = {
  'broken YAML': 'default: main\nprofiles:\n  main: [\n',
  'an unknown top-level key': 'default: main\nprofilez:\n  main: {}\n',
  'an unknown profile key': 'profiles:\n  main:\n    atom_rot: /srv/atom\n',
  'an unknown default': 'default: nope\nprofiles:\n  main: {}\n',
  'profiles as a list': 'profiles:\n  - main\n',
  'a profile that is a string': 'default: main\nprofiles:\n  main: /srv/atom\n',
  'timeout not a number': 'default: main\nprofiles:\n  main:\n    timeout: soon\n',
  'a negative timeout': 'default: main\nprofiles:\n  main:\n    timeout: -1\n',
  'gearman as a number': 'default: main\nprofiles:\n  main:\n    gearman: 42\n',
  'a bad gearman address': "default: main\nprofiles:\n  main:\n    gearman: ['127.0.0.1:1:2']\n",
  'a db that is not a URL': 'default: main\nprofiles:\n  main:\n    db: not a url\n',
  'an unknown manager': 'default: main\nprofiles:\n  main:\n    manager: upstart\n',
  'hosts as a mapping': 'default: main\nprofiles:\n  main:\n    hosts:\n      a: b\n',
  'atom_root as a list': 'default: main\nprofiles:\n  main:\n    atom_root: [a, b]\n',
  'a scalar file': 'main\n',
}
for (const [i, [name, content]] of Object.entries(PROFILE).entries()) {
  const args = rotate([['config', 'show'], ['jobs', 'stalled'], ['doctor'], ['jobs', 'kill', '1', '--force']], i)
  add({name: `profile file: ${name}: ${args.join(' ')}`, args, profile: content, code: codeFor(args, 3)})
}

add({name: 'profile file: a directory', args: ['config', 'show'], env: {ATOM_OPS_CONFIG: '/'}, code: 3})

// ---------------------------------------------------------------------------------------------------
// --db URLs (and ATOM_OPS_DB).
const DB_URLS = [
  'mysql//root:pw@127.0.0.1/atom',
  'http://root:pw@127.0.0.1/atom',
  'mysql://',
  'mysql://root:pw@127.0.0.1:99999/atom',
  'mysql://root:pw@127.0.0.1:abc/atom',
  'mysql://root:pw@/atom',
  'mysql://root:pw@127.0.0.1',
  'mysql://root:pw@127.0.0.1/atom/extra',
  'mysql://root:%zz@127.0.0.1/atom',
  'mysql://root:pw@127.0.0.1/atom?socket=',
  'mysql://root:pw@127.0.0.1/atom?nope=1',
  'mysql://root:pw@[::1/atom',
  ' ',
  'postgres://root@127.0.0.1/atom',
]
for (const [i, url] of DB_URLS.entries()) {
  const args = rotate(
    [
      ['jobs', 'list'],
      ['jobs', 'clear', '--inactive', '--force'],
      ['jobs', 'kill', '1', '--force'],
    ],
    i,
  )
  add({name: `--db ${JSON.stringify(url)}: ${args.join(' ')}`, args: [...args, `--db=${url}`], code: 2})
}

// A database name with SQL in it is a name (the login is refused: 3), never a statement.
// (The password from ATOM_OPS_DB_PASSWORD: one inside --db would add its warning line.)
add({
  name: '--db with SQL in the database name: jobs clear --force',
  args: ['jobs', 'clear', '--inactive', '--force', "--db=mysql://root@127.0.0.1/atom';DROP TABLE job;--"],
  env: {ATOM_OPS_DB_PASSWORD: 'pw'},
  code: 3,
})
for (const url of DB_URLS.slice(0, 6))
  add({
    name: `ATOM_OPS_DB ${JSON.stringify(url)}: config show`,
    args: ['config', 'show'],
    env: {ATOM_OPS_DB: url},
    code: 2,
  })

// host:port values of every flag that takes one.
const ADDRESSES = [
  '',
  ' ',
  'host:1:2',
  'host:0',
  'host:65536',
  'host:-1',
  'host:abc',
  ':4730',
  'ho st:4730',
  'a/b:1',
  'user@host',
  '[::1',
  '[zz]:1',
  '-oProxyCommand=x',
  'host:4730\n',
  `$(touch ${CANARY})`,
  'h:1;ls',
  'host:99999999999',
]
const ADDRESS_FLAGS: Array<(a: string) => string[]> = [
  (a) => ['queue', 'status', `--gearman=${a}`],
  (a) => ['queue', 'cancel', 'H:x:1', `--server=${a}`, '--force'],
  (a) => ['queue', 'drop', 'fn', `--server=${a}`, '--force'],
  (a) => ['metrics', `--listen=${a}`],
  (a) => ['cache', 'clear', '--memcached', `--memcached-server=${a}`, '--force'],
  (a) => ['doctor', `--gearman=${a}`],
]
for (const [i, a] of ADDRESSES.entries()) {
  for (const make of [rotate(ADDRESS_FLAGS, i)]) {
    const args = make(a)
    add({name: `${args.join(' ').replace(a, JSON.stringify(a))}`, args, code: codeFor(args, 2)})
  }
}

for (const a of ['host:1:2', ',', 'a,,b:x'])
  add({
    name: `ATOM_OPS_GEARMAN ${JSON.stringify(a)}: queue ping`,
    args: ['queue', 'ping'],
    env: {ATOM_OPS_GEARMAN: a},
    code: 2,
  })

// Job ids.
const IDS = [
  '0',
  '-1',
  '1.5',
  'abc',
  '1e3',
  '99999999999999999999',
  '2147483648',
  '1;DROP TABLE job',
  '',
  ' ',
  '0x10',
  '+1',
  '1 2',
  '١',
  '1\n2',
]
for (const [i, id] of IDS.entries()) {
  const cmd = rotate(
    [
      ['jobs', 'kill', '--delete', '--no-backup', '--force'],
      ['jobs', 'show'],
      ['jobs', 'kill', '--force'],
    ],
    i,
  )
  add({name: `${cmd.join(' ')} ${JSON.stringify(id)}`, args: [...cmd, '--', id], code: 2})
}

// Durations.
const DURATIONS = [
  '5',
  '1y',
  '-2h',
  'h',
  '99999999d',
  '0d',
  '1.5h',
  '2 h',
  '',
  '1h-',
  '1hh',
  '1e3s',
  'NaN',
  '٣d',
  '1h;DROP TABLE job',
]
const DURATION_FLAGS: Array<(d: string) => string[]> = [
  (d) => ['jobs', 'clear', '--inactive', `--older-than=${d}`, '--force'],
  (d) => ['jobs', 'list', `--older-than=${d}`],
  (d) => ['jobs', 'stalled', `--older-than=${d}`],
  (d) => ['jobs', 'export', `--newer-than=${d}`],
  (d) => ['jobs', 'clear', '--status=error', `--newer-than=${d}`, '--no-backup', '--force'],
]
for (const [i, d] of DURATIONS.entries()) {
  for (const make of [rotate(DURATION_FLAGS, i)]) {
    const args = make(d)
    add({name: args.join(' ').replace(`=${d}`, `=${JSON.stringify(d)}`), args, code: 2})
  }
}

// Gearman handles and function names.
for (const h of [
  '',
  ' ',
  '\n',
  'H:x:1\nshutdown',
  'H:x:1 extra',
  'x'.repeat(5000),
  '\t',
  'H:x:1\r\nshutdown graceful',
]) {
  add({
    name: `queue cancel handle ${JSON.stringify(h.slice(0, 30))}`,
    args: ['queue', 'cancel', '--force', '--', h],
    code: 2,
  })
}

for (const f of ['', ' ', 'a b', 'fn\nshutdown', 'x'.repeat(5000), '\t', 'fn\r\n', 'fn\u0000x'.replace('\u0000', '')]) {
  if (f === 'fnx') continue
  add({
    name: `queue drop function ${JSON.stringify(f.slice(0, 30))}`,
    args: ['queue', 'drop', '--force', '--', f],
    code: 2,
  })
}

// Statuses, sort keys, limits, formats, managers, profile names, timeouts.
for (const s of ['foo', '', 'running;DROP TABLE job', '1', 'in progress']) {
  add({
    name: `jobs clear --status ${JSON.stringify(s)} --force`,
    args: ['jobs', 'clear', `--status=${s}`, '--force'],
    code: 2,
  })
}

for (const s of ['foo', ' '])
  add({name: `jobs list --status ${JSON.stringify(s)}`, args: ['jobs', 'list', `--status=${s}`], code: 2})
for (const s of ['foo', '-', 'id,name', 'id;DROP TABLE job', '', '--id', 'name desc'])
  add({name: `jobs list --sort ${JSON.stringify(s)}`, args: ['jobs', 'list', `--sort=${s}`], code: 2})
for (const l of ['-1', 'abc', '1.5', '99999999999'])
  add({name: `jobs list --limit ${l}`, args: ['jobs', 'list', `--limit=${l}`], code: 2})
for (const f of ['xml', '', 'CSV '])
  add({name: `jobs export --format ${JSON.stringify(f)}`, args: ['jobs', 'export', `--format=${f}`], code: 2})
for (const p of ['0', '-5', 'x'])
  add({name: `jobs export --page-size ${p}`, args: ['jobs', 'export', `--page-size=${p}`], code: 2})
for (const u of ['', ' '])
  add({name: `jobs list --user ${JSON.stringify(u)}`, args: ['jobs', 'list', `--user=${u}`], code: 2})
for (const m of ['upstart', ''])
  add({name: `worker status --manager ${JSON.stringify(m)}`, args: ['worker', 'status', `--manager=${m}`], code: 2})
for (const p of ['', ' ', '../etc', 'no-such-profile', 'a\nb'])
  add({
    name: `--profile ${JSON.stringify(p)}: jobs clear --force`,
    args: ['jobs', 'clear', '--inactive', '--force', `--profile=${p}`],
    code: p.trim() === '' ? 2 : 3,
  })
for (const t of ['0', '-1', 'abc', '3601', 'Infinity'])
  add({
    name: `--timeout ${JSON.stringify(t)}: jobs clear`,
    args: ['jobs', 'clear', '--inactive', '--force', `--timeout=${t}`],
    code: 2,
  })
for (const n of ['0', '-3', 'abc'])
  add({name: `queue watch --count ${n}`, args: ['queue', 'watch', `--count=${n}`], code: 2})
for (const n of ['0', '-1', 'abc'])
  add({name: `queue watch --interval ${n}`, args: ['queue', 'watch', '--count=1', `--interval=${n}`], code: 2})
for (const n of ['-1', 'abc'])
  add({name: `worker logs --lines ${n}`, args: ['worker', 'logs', '--manager=supervisor', `--lines=${n}`], code: 2})
for (const w of ['-1', 'abc'])
  add({
    name: `worker restart --wait ${w}`,
    args: ['worker', 'restart', '--manager=supervisor', `--wait=${w}`, '--force'],
    code: 2,
  })

// Invalid flag combinations.
const COMBOS: string[][] = [
  ['jobs', 'clear', '--no-backup', '--backup', 'x', '--force'],
  ['jobs', 'clear', '--inactive', '--status', 'running', '--force'],
  ['jobs', 'kill', '1', '--no-backup', '--backup', 'x', '--force'],
  ['jobs', 'list', '--csv', '--json'],
  ['worker', 'logs', '--follow', '--json'],
  ['doctor', '--nagios', '--json'],
  ['doctor', '--nagios', '--fix'],
  ['doctor', '--all-profiles', '--fix'],
  ['doctor', '--dry-run'],
  ['doctor', '--force'],
  ['jobs', 'show'],
  ['jobs', 'show', '1', '2'],
  ['queue', 'cancel'],
  ['queue', 'drop'],
  ['jobs', 'restore'],
  ['jobs', 'list', '--limit'],
  ['jobs', 'clear', '--inactive', '--force', '--backup='],
  ['jobs', 'kill', '1', '--reason= ', '--force'],
  ['queue', 'watch', '--count=1', '--json', '--all', '--interval=x'],
  ['doctor', '--fix', '--force', '--host=', '--dry-run'],
]
for (const args of COMBOS) add({name: `flags: ${args.join(' ')}`, args, code: codeFor(args, 2)})

// ---------------------------------------------------------------------------------------------------
let bed: TestBed
let snapshot: {files: string[]; audit: string; counts: Record<string, number>}
const TABLES = ['object', 'job', 'note', 'note_i18n', 'property', 'property_i18n', 'user']
let variants = 0

async function listing(): Promise<string[]> {
  return (await readdir(bed.dir, {recursive: true})).map(String).sort()
}

async function state(): Promise<typeof snapshot> {
  const counts: Record<string, number> = {}
  for (const t of TABLES) {
    const rows = await bed.database.rows<{n: number}>(`SELECT COUNT(*) AS n FROM \`${t}\``)
    counts[t] = Number(rows[0].n)
  }

  const audit = existsSync(join(bed.dir, 'audit.log')) ? await readFile(join(bed.dir, 'audit.log'), 'utf8') : ''
  return {files: await listing(), audit, counts}
}

/** Each config-file case gets its own copy of the install (made up front, so the listing is stable). */
async function prepare(c: Case): Promise<Record<string, string>> {
  const env: Record<string, string> = {...c.env}
  if (c.install) {
    const root = join(bed.dir, 'variants', String(variants++))
    await cp(bed.realRoot, root, {recursive: true})
    for (const [file, content] of Object.entries(c.install)) {
      const path = join(root, file)
      await rm(path, {force: true})
      if (content && typeof content === 'object') await mkdir(path)
      else if (content !== null) await writeFile(path, content)
    }

    env.ATOM_OPS_ATOM_ROOT = root
  }

  if (c.profile !== undefined) {
    const file = join(bed.dir, 'profiles', `${variants++}.yml`)
    await mkdir(join(bed.dir, 'profiles'), {recursive: true})
    await writeFile(file, c.profile)
    env.ATOM_OPS_CONFIG = file
  }

  return env
}

const envs = new Map<Case, Record<string, string>>()
before(async () => {
  bed = await TestBed.start()
  await rm(CANARY, {force: true})
  for (let i = 0; i < 3; i++)
    await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'completed',
      createdAt: new Date(Date.now() - 90 * 86_400_000),
    })
  await insertJob(bed.database, {
    name: 'arObjectMoveJob',
    status: 'running',
    createdAt: new Date(Date.now() - 3 * 86_400_000),
  })
  await insertJob(bed.database, {name: 'arInheritRightsJob', status: 'error'})
  for (const c of cases) envs.set(c, await prepare(c))
  await mkdir(join(bed.dir, 'state'), {recursive: true})
  snapshot = await state()
})
after(async () => {
  await bed?.stop()
})

describe(
  'a corpus of malformed input: a documented code, one line and a hint, nothing written',
  {concurrency: 4},
  () => {
    test(`the corpus has at least 200 cases (${cases.length})`, () => {
      assert.ok(cases.length >= 200, String(cases.length))
    })
    for (const c of cases) {
      test(c.name, async () => {
        const r = await runCli([...c.args, '--timeout', '2'], {env: bed.env(envs.get(c)), timeoutMs: 20_000})
        const detail = `exit ${r.code} ${r.signal ?? ''}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`
        assert.equal(r.signal, null, `hung: ${detail}`)
        assert.equal(r.code, c.code, detail)
        if (c.args.includes('--json')) {
          // With --json the error is the document on stdout, one line each for message and hint.
          assert.equal(r.stderr, '', detail)
          // The body says the code the process really ends with (doctor: UNKNOWN, 3, for a usage error).
          assert.equal(r.json?.error?.exitCode, r.code, detail)
          assert.doesNotMatch(r.json.error.message, /[\n\r]|^The following/, detail)
        } else {
          const lines = r.stderr.trimEnd().split('\n')
          assert.match(lines[0], /^atom-ops: /, detail)
          assert.ok(lines.length <= 2, detail)
          if (lines[1] !== undefined) assert.match(lines[1], /^ {2}hint: /, detail)
          // config show alone still shows what did resolve, the failing part marked.
          if (c.args[0] === 'config' && r.stdout !== '') assert.match(r.stdout, /NOT RESOLVED/, detail)
          else assert.equal(r.stdout, '', detail)
        }

        assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+\)?$/m, 'no stack trace')
        assert.ok(!existsSync(CANARY), 'nothing executed')
        const now = await state()
        assert.deepEqual(now.counts, snapshot.counts, 'the database is unchanged')
        assert.equal(now.audit, snapshot.audit, 'nothing audited')
        assert.deepEqual(now.files, snapshot.files, 'nothing written')
      })
    }
  },
)

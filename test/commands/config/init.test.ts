import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmod, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse as parseYaml} from 'yaml'

import type {ConfigInitJson} from '../../../src/commands/config/init.js'
import type {DatabaseTarget} from '../../../src/lib/db/target.js'

import {runCli} from '../../helpers/cli.js'
import {hasScript, runInPty} from '../../helpers/pty.js'
import {startUserSystemd, type UserSystemd, userSystemdAvailable} from '../../helpers/systemd-user.js'
import {until} from '../../helpers/wait.js'
import {writeAtomInstall} from '../../support/testbed/fixture.js'
import {isAlive} from '../../support/testbed/processes.js'
import {type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'

const PASSWORD = 'pw-init-S3cret'
const target: DatabaseTarget = {host: '127.0.0.1', port: 3306, user: 'atom', password: PASSWORD, database: 'atom'}
const md5 = (s: string) => createHash('md5').update(s).digest('hex')

let dir: string
/** Stands in for php running `symfony jobs:worker`: it only waits, and stops (with its sleep) on TERM. */
let php: string
const children: ChildProcess[] = []

async function install(root: string, port = 4730): Promise<string> {
  await writeAtomInstall(root, {database: target, gearmanServers: [{host: '127.0.0.1', port}], workersKey: ''})
  return realpath(root)
}

/** Nothing is looked at but what a test points at: no search path, an empty /proc, no unit or supervisord file. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: join(dir, 'home'),
    ATOM_OPS_CONFIG: join(dir, 'config.yml'),
    ATOM_OPS_STATE_DIR: join(dir, 'state'),
    ATOM_OPS_AUDIT_LOG: join(dir, 'audit.log'),
    ATOM_OPS_SEARCH_PATHS: join(dir, 'nowhere'),
    ATOM_OPS_PROC_ROOT: join(dir, 'empty-proc'),
    ATOM_OPS_SYSTEMD_UNIT_PATHS: join(dir, 'nowhere'),
    ATOM_OPS_SUPERVISOR_CONFIGS: join(dir, 'nowhere'),
    ...extra,
  }
}

async function init(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['config', 'init', ...args], {env: env(extra)})
  return {...r, result: r.json as ConfigInitJson}
}

/** The installs found under this test's directory (a real /proc also shows the machine's other workers). */
const ours = (r: ConfigInitJson) => r.discovery.installs.filter((i) => i.realRoot.startsWith(dir))
const byRoot = (r: ConfigInitJson, realRoot: string) => {
  const found = r.discovery.installs.find((i) => i.realRoot === realRoot)
  assert.ok(
    found,
    `${realRoot} found; found: ${r.discovery.installs.map((i) => i.realRoot).join(', ')}; not used: ${JSON.stringify(r.discovery.ignored)}`,
  )
  return found
}

async function cmdline(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean)
}

/** A worker process in `cwd`, in its own process group (killed whole afterwards). */
async function startWorker(command: string, args: string[], cwd: string, argv0Is: RegExp): Promise<number> {
  const child = spawn(command, args, {cwd, detached: true, stdio: 'ignore'})
  children.push(child)
  await until('the worker to run', async () => argv0Is.test((await cmdline(child.pid!)).join(' ')))
  return child.pid!
}

before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'atom-ops-init-')))
  await mkdir(join(dir, 'empty-proc'))
  await mkdir(join(dir, 'bin'))
  php = join(dir, 'bin', 'php')
  await writeFile(
    php,
    "#!/bin/sh\n# stands in for php running symfony jobs:worker\ntrap 'kill $! 2>/dev/null; exit 0' TERM INT\nsleep 100000 &\nwait\n",
  )
  await chmod(php, 0o755)
})

after(async () => {
  for (const c of children) if (c.pid && isAlive(c.pid)) process.kill(-c.pid, 'SIGKILL')
  await rm(dir, {recursive: true, force: true})
})

describe('config init: installs in the search paths', () => {
  let search: string
  let atom: string
  let staging: string
  before(async () => {
    search = join(dir, 'search')
    atom = await install(join(search, 'atom'))
    staging = await install(join(search, 'atom-staging'), 4731)
    // Another PHP application with a config/config.php of its own: not AtoM.
    await mkdir(join(search, 'cloud', 'config'), {recursive: true})
    await writeFile(join(search, 'cloud', 'config', 'config.php'), "<?php\n$CONFIG = array('dbname' => 'cloud');\n")
    // An AtoM release not installed yet: the symfony project, no config.php.
    await mkdir(join(search, 'atom-next', 'apps', 'qubit'), {recursive: true})
    await mkdir(join(search, 'atom-next', 'config'), {recursive: true})
    await writeFile(join(search, 'atom-next', 'symfony'), '#!/usr/bin/env php\n<?php // fixture\n')
    await writeFile(join(search, 'atom-next', 'config', 'ProjectConfiguration.class.php'), '<?php // fixture\n')
  })

  test('--dry-run --json: each install with its database (password masked), Gearman servers and prefix; one profile each, named after its directory; nothing written', async () => {
    const r = await init(['--dry-run', '--json'], {ATOM_OPS_SEARCH_PATHS: search})
    assert.equal(r.code, 0, r.stderr)
    const j = r.result
    assert.deepEqual(
      j.discovery.installs.map((i) => [i.realRoot, i.profile, i.installed]),
      [
        [atom, 'atom', true],
        [join(search, 'atom-next'), null, false],
        [staging, 'atom-staging', true],
      ],
    )
    const a = byRoot(j, atom)
    assert.deepEqual(a.foundBy, [{how: 'search path', detail: search}])
    assert.deepEqual(a.database, {
      user: 'atom',
      host: '127.0.0.1',
      port: 3306,
      socket: null,
      database: 'atom',
      password: '********',
    })
    assert.deepEqual(a.gearmanServers, ['127.0.0.1:4730'])
    assert.equal(a.prefix, `${md5(atom)}-`)
    assert.deepEqual(a.workers, [])
    assert.equal(a.service, null)
    assert.match(byRoot(j, join(search, 'atom-next')).problems.join('\n'), /no config\/config\.php/)
    assert.equal(j.dryRun, true)
    assert.equal(j.written, false)
    assert.deepEqual(
      j.profiles!.changes.map((c) => [c.name, c.action]),
      [
        ['atom', 'add'],
        ['atom-staging', 'add'],
      ],
    )
    // Two profiles and none before: no default is chosen for the operator.
    assert.equal(j.profiles!.defaultProfile, null)
    assert.deepEqual(parseYaml(j.profiles!.text), {
      profiles: {atom: {atom_root: join(search, 'atom')}, 'atom-staging': {atom_root: join(search, 'atom-staging')}},
    })
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD))
    await assert.rejects(stat(join(dir, 'config.yml')), 'nothing written')
  })

  test('the human form shows each install, what was not used, and the file it would write', async () => {
    const r = await init(['--dry-run'], {ATOM_OPS_SEARCH_PATHS: search})
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^Found 3 AtoM installs \(looked in \d+ directories, 0 processes, 0 unit files, 0 supervisord files\)\./,
    )
    assert.match(r.stdout, new RegExp(`^atom  ${search}/atom\\n  found by  search path ${search}$`, 'm'))
    assert.match(r.stdout, /^ {2}database {2}atom@127\.0\.0\.1:3306\/atom, password \*{8}$/m)
    assert.match(r.stdout, /^\(no profile\) {2}.*atom-next\n(.*\n)* {2}note {6}no config\/config\.php/m)
    assert.match(r.stdout, /^ {2}\| {3}atom-staging:\n {2}\| {5}atom_root: .*atom-staging$/m)
    assert.match(r.stdout, /\nDry run: nothing was written\.\n$/)
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD))
  })

  test('--name picks one of several installs by its name; a name that fits none of several is refused', async () => {
    const one = await init(['--dry-run', '--json', '--name', 'atom-staging'], {ATOM_OPS_SEARCH_PATHS: search})
    assert.equal(one.code, 0, one.stderr)
    assert.deepEqual(
      one.result.profiles!.changes.map((c) => [c.name, c.entry.atomRoot]),
      [['atom-staging', join(search, 'atom-staging')]],
    )
    assert.equal(one.result.profiles!.defaultProfile, 'atom-staging')

    const none = await init(['--dry-run', '--name', 'live'], {ATOM_OPS_SEARCH_PATHS: search})
    assert.equal(none.code, 2)
    assert.match(
      none.stderr,
      /^atom-ops: --name live: 2 installs were found and none would be named so\n {2}hint: Their names: atom \(.*\), atom-staging \(.*\)\. Or name one: --root DIR --name live\n$/,
    )
  })
})

describe('config init: running workers, read from /proc', () => {
  let handRoot: string
  let aliasRoot: string
  before(async () => {
    handRoot = await install(join(dir, 'elsewhere', 'by-hand'))
    aliasRoot = await install(join(dir, 'elsewhere', 'argv0'))
  })

  test('a `php symfony jobs:worker` outside every search path is found by its working directory, whatever its argv looks like', async () => {
    // A php wrapper script (argv: /bin/sh …/php symfony jobs:worker) and a process whose argv[0] is php.
    const script = await startWorker(php, ['symfony', 'jobs:worker'], handRoot, /\/php symfony jobs:worker$/)
    const argv0 = await startWorker(
      'bash',
      ['-c', 'exec -a php bash -c "sleep 100000 & wait" symfony jobs:worker'],
      aliasRoot,
      /^php -c .* symfony jobs:worker$/,
    )
    const r = await init(['--dry-run', '--json'], {ATOM_OPS_PROC_ROOT: '/proc'})
    assert.equal(r.code, 0, r.stderr)
    for (const [root, pid] of [
      [handRoot, script],
      [aliasRoot, argv0],
    ] as const) {
      const found = byRoot(r.result, root)
      assert.deepEqual(found.foundBy, [{how: 'worker process', detail: `pid ${pid}`}])
      assert.deepEqual(found.workers, [
        {manager: null, unit: null, supervisorConfig: null, userUnit: false, pid, user: 'root', file: null},
      ])
      assert.match(found.problems.join('\n'), new RegExp(`worker pid ${pid} runs outside systemd and supervisord`))
      assert.equal(r.result.profiles!.changes.find((c) => c.entry.atomRoot === root)?.entry.manager, undefined)
    }

    assert.ok(r.result.discovery.scanned.processes > 2)
  })

  test('a worker whose directory was deleted (an old release) is reported, not written', async () => {
    const gone = await install(join(dir, 'elsewhere', 'old-release'))
    const pid = await startWorker(php, ['symfony', 'jobs:worker'], gone, /\/php symfony jobs:worker$/)
    await rm(gone, {recursive: true})
    await until('the kernel to mark its cwd deleted', async () =>
      (await readlink(`/proc/${pid}/cwd`)).endsWith('(deleted)'),
    )
    const r = await init(['--dry-run', '--json'], {ATOM_OPS_PROC_ROOT: '/proc'})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      r.result.discovery.ignored.filter((i) => i.path === gone),
      [{path: gone, reason: `worker pid ${pid} runs in a directory that was deleted (an old release?): restart it`}],
    )
    assert.ok(!r.result.discovery.installs.some((i) => i.realRoot === gone))
  })
})

describe('config init: supervisord', () => {
  let sup: RunningSupervisord
  let supRoot: string
  let groupRoot: string
  before(async () => {
    supRoot = await install(join(dir, 'sv', 'atom-a'))
    groupRoot = await install(join(dir, 'sv', 'atom-b'))
    sup = await startSupervisord(join(dir, 'supervisord'), {
      programs: [
        {name: 'atom-jobs', command: [php, 'symfony', 'jobs:worker', '--max-job-count=50'], directory: supRoot},
      ],
    })
    await sup.addPrograms([{name: 'jobs-b', command: [php, 'symfony', 'jobs:worker'], directory: groupRoot}], {
      name: 'atom-b-workers',
    })
  })
  after(async () => {
    await sup?.stop()
  })

  test("a real supervisord's worker: found through /proc (its SUPERVISOR_* environment, supervisord's -c) and its [program:] section; the profile names program and -c", async () => {
    const pid = Number((await sup.ctl('pid', 'atom-jobs')).stdout.trim())
    assert.ok(pid > 1)
    // No supervisord file is listed: the running supervisord's -c leads to its programs.
    const r = await init(['--dry-run', '--json'], {ATOM_OPS_PROC_ROOT: '/proc'})
    assert.equal(r.code, 0, r.stderr)
    const found = byRoot(r.result, supRoot)
    assert.deepEqual(found.foundBy.map((e) => e.how).sort(), ['supervisord program', 'worker process'])
    assert.deepEqual(found.workers, [
      {
        manager: 'supervisor',
        unit: 'atom-jobs',
        supervisorConfig: sup.configFile,
        userUnit: false,
        pid,
        user: 'root',
        file: sup.configFile,
      },
    ])
    assert.deepEqual(found.service, {manager: 'supervisor', unit: 'atom-jobs', supervisorConfig: sup.configFile})
    // A program in a [group:] is managed as the group.
    assert.deepEqual(byRoot(r.result, groupRoot).service, {
      manager: 'supervisor',
      unit: 'atom-b-workers',
      supervisorConfig: sup.configFile,
    })
  })

  test('the written profile drives the worker commands: worker status finds the program through it', async () => {
    const config = join(dir, 'sv-profiles.yml')
    const w = await init(['--root', supRoot, '--force', '--json'], {
      ATOM_OPS_PROC_ROOT: '/proc',
      ATOM_OPS_CONFIG: config,
    })
    assert.equal(w.code, 0, w.stderr)
    assert.equal(w.result.written, true)
    assert.deepEqual(parseYaml(await readFile(config, 'utf8')), {
      default: 'atom-a',
      profiles: {
        'atom-a': {atom_root: supRoot, manager: 'supervisor', unit: 'atom-jobs', supervisor_config: sup.configFile},
      },
    })
    const status = await runCli(['worker', 'status', '--json'], {
      env: {...env({ATOM_OPS_CONFIG: config}), ATOM_OPS_TIMEOUT: '2'},
    })
    const host = status.json?.hosts?.[0]
    assert.equal(host?.manager, 'supervisor', status.stdout + status.stderr)
    assert.deepEqual(
      host.value.status.map((s: {unit: string; condition: string}) => [s.unit, s.condition]),
      [['atom-jobs', 'running']],
    )
  })

  test('a supervisord file that is not running: [include] followed from the main file, %(here)s expanded, directory= is the root', async () => {
    const root = await install(join(dir, 'sv', 'atom-c'))
    const etc = join(dir, 'etc-supervisor')
    await mkdir(join(etc, 'conf.d'), {recursive: true})
    await writeFile(
      join(etc, 'supervisord.conf'),
      '[unix_http_server]\nfile=/nonexistent.sock\n\n[supervisord]\nlogfile=/dev/null\n\n[include]\nfiles = %(here)s/conf.d/*.conf\n',
    )
    await writeFile(
      join(etc, 'conf.d', 'atom.conf'),
      `; AtoM's worker\n[program:atom-worker]\ncommand=/usr/bin/php -d memory_limit=-1 -d error_reporting="E_ALL & ~E_DEPRECATED" symfony jobs:worker ; stock options\ndirectory=${root}\nuser=www-data\n`,
    )
    await writeFile(
      join(etc, 'conf.d', 'other.conf'),
      '[program:queue]\ncommand=/usr/bin/php artisan queue:work\ndirectory=/srv/app\n',
    )
    const r = await init(['--dry-run', '--json'], {
      ATOM_OPS_SUPERVISOR_CONFIGS: `${join(etc, 'supervisord.conf')}:${join(etc, 'conf.d', '*.conf')}`,
    })
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      ours(r.result).map((i) => i.realRoot),
      [root],
    )
    const found = byRoot(r.result, root)
    assert.deepEqual(found.workers, [
      {
        manager: 'supervisor',
        unit: 'atom-worker',
        supervisorConfig: join(etc, 'supervisord.conf'),
        userUnit: false,
        pid: null,
        user: 'www-data',
        file: join(etc, 'conf.d', 'atom.conf'),
      },
    ])
    assert.equal(r.result.discovery.scanned.supervisorFiles, 3)
  })
})

describe('config init: systemd units', () => {
  test('unit files are parsed: /etc wins over /lib, a drop-in sets WorkingDirectory, a template unit is NAME@*, an absolute symfony path needs no WorkingDirectory', async () => {
    const a = await install(join(dir, 'sd', 'atom-a'))
    const b = await install(join(dir, 'sd', 'atom-b'))
    const etc = join(dir, 'units', 'etc')
    const lib = join(dir, 'units', 'lib')
    await mkdir(join(etc, 'atom-worker.service.d'), {recursive: true})
    await mkdir(lib, {recursive: true})
    const unit = (cwd: string) =>
      `[Unit]\nDescription=AtoM worker\n\n[Service]\nUser=www-data\nWorkingDirectory=${cwd}\nExecStart=/usr/bin/php7.4 -d memory_limit=-1 -d error_reporting="E_ALL" symfony jobs:worker --max-job-count=100\nRestart=on-failure\n`
    await writeFile(join(lib, 'atom-worker.service'), unit('/nonexistent/lib-copy'))
    await writeFile(join(etc, 'atom-worker.service'), unit('/nonexistent/etc-copy'))
    await writeFile(join(etc, 'atom-worker.service.d', 'root.conf'), `[Service]\nWorkingDirectory=${a}\n`)
    await writeFile(
      join(lib, 'atom-jobs@.service'),
      `[Service]\nExecStart=/usr/bin/php8.1 ${b}/symfony jobs:worker --types %i\n`,
    )
    await writeFile(join(lib, 'nginx.service'), '[Service]\nExecStart=/usr/sbin/nginx\n')
    const r = await init(['--dry-run', '--json'], {ATOM_OPS_SYSTEMD_UNIT_PATHS: `${etc}:${lib}`})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      ours(r.result).map((i) => [i.realRoot, i.service]),
      [
        [a, {manager: 'systemd', unit: 'atom-worker', supervisorConfig: null}],
        [b, {manager: 'systemd', unit: 'atom-jobs@*', supervisorConfig: null}],
      ],
    )
    assert.deepEqual(byRoot(r.result, a).workers, [
      {
        manager: 'systemd',
        unit: 'atom-worker',
        supervisorConfig: null,
        userUnit: false,
        pid: null,
        user: 'www-data',
        file: join(etc, 'atom-worker.service'),
      },
    ])
    assert.deepEqual(parseYaml(r.result.profiles!.text).profiles['atom-a'], {
      atom_root: a,
      manager: 'systemd',
      unit: 'atom-worker',
    })
  })

  test(
    'a worker run by a real systemd (a user manager standing in for PID 1): its unit read from its cgroup, merged with the unit file',
    {skip: !userSystemdAvailable() && 'needs root, unshare, nsenter and systemd'},
    async () => {
      const root = await install(join(dir, 'sd', 'running'))
      let systemd: UserSystemd | undefined
      try {
        systemd = await startUserSystemd(join(dir, 'user-systemd'))
        await systemd.writeUnit(
          'atom-worker.service',
          `[Service]\nWorkingDirectory=${root}\nExecStart=${php} symfony jobs:worker\n`,
        )
        assert.equal(systemd.ctl('start', 'atom-worker.service').code, 0)
        const pid = Number(systemd.property('atom-worker.service', 'MainPID'))
        assert.ok(pid > 1)
        const r = await init(['--dry-run', '--json'], {
          ATOM_OPS_PROC_ROOT: '/proc',
          ATOM_OPS_SYSTEMD_UNIT_PATHS: join(dir, 'user-systemd', 'config', 'systemd', 'user'),
        })
        assert.equal(r.code, 0, r.stderr)
        const found = byRoot(r.result, root)
        assert.deepEqual(found.foundBy.map((e) => e.how).sort(), ['systemd unit', 'worker process'])
        assert.deepEqual(
          found.workers.map((w) => [w.manager, w.unit, w.pid, w.file !== null]),
          [['systemd', 'atom-worker', pid, true]],
        )
        assert.deepEqual(found.service, {manager: 'systemd', unit: 'atom-worker', supervisorConfig: null})
      } finally {
        await systemd?.stop()
      }
    },
  )
})

describe('config init: writing the profile file', () => {
  let root: string
  let config: string
  before(async () => {
    root = await install(join(dir, 'write', 'atom'))
    config = join(dir, 'write', 'config.yml')
  })
  const write = (args: string[], extra: NodeJS.ProcessEnv = {}) => init(args, {ATOM_OPS_CONFIG: config, ...extra})

  test('without a terminal and without --force: the plan is shown, nothing written, exit 5', async () => {
    const r = await write(['--root', root])
    assert.equal(r.code, 5)
    assert.match(r.stdout, /The file would read:/)
    assert.match(r.stderr, /refusing to continue without --force: standard input is not a terminal/)
    await assert.rejects(stat(config))
  })

  test(
    'in a terminal: asked, No writes nothing (exit 5), Yes writes a new file the owner alone can read, the install as default',
    {skip: !hasScript && 'needs script(1)'},
    async () => {
      const no = await runInPty(['config', 'init', '--root', root], {
        env: env({ATOM_OPS_CONFIG: config}),
        answers: [{when: /Write profile atom to /, type: 'n\r'}],
      })
      assert.equal(no.code, 5, no.output)
      await assert.rejects(stat(config))
      const yes = await runInPty(['config', 'init', '--root', root], {
        env: env({ATOM_OPS_CONFIG: config}),
        answers: [{when: /Write profile atom to /, type: 'y\r'}],
      })
      assert.equal(yes.code, 0, yes.output)
      assert.match(yes.output, /Wrote .*config\.yml\./)
      assert.equal((await stat(config)).mode & 0o777, 0o600)
      assert.deepEqual(parseYaml(await readFile(config, 'utf8')), {
        default: 'atom',
        profiles: {atom: {atom_root: root}},
      })
      const audit = await readFile(join(dir, 'audit.log'), 'utf8')
      assert.match(audit, /"config:init"/)
    },
  )

  test('the written profile is what config show and every command use', async () => {
    await write(['--root', root, '--force'])
    const show = await runCli(['config', 'show', '--json'], {env: env({ATOM_OPS_CONFIG: config})})
    assert.equal(show.code, 0, show.stderr)
    assert.equal(show.json.profile, 'atom')
    assert.equal(show.json.realRoot, root)
    assert.equal(show.json.prefix, `${md5(root)}-`)
  })

  test('running it again changes nothing (no backup either); an install already in the file under another name is left as it is', async () => {
    const before = await readFile(config, 'utf8')
    const again = await write(['--root', root, '--force', '--json'])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(
      again.result.profiles!.changes.map((c) => c.action),
      ['unchanged'],
    )
    assert.equal(again.result.written, false)
    const renamed = join(dir, 'write', 'renamed.yml')
    await writeFile(renamed, `profiles:\n  live:\n    atom_root: ${root}\n`)
    const known = await init(['--search-path', join(dir, 'write'), '--force', '--json'], {ATOM_OPS_CONFIG: renamed})
    assert.equal(known.code, 0, known.stderr)
    assert.deepEqual(
      known.result.profiles!.changes.map((c) => [c.name, c.action, c.existing?.name]),
      [['atom', 'known', 'live']],
    )
    assert.equal(await readFile(config, 'utf8'), before)
    assert.deepEqual(
      (await readdir(join(dir, 'write'))).filter((f) => f.endsWith('.bak')),
      [],
    )
  })

  test('a profile of the same name with other settings: refused without --force (exit 2, file untouched); --force backs the old file up, keeps its comments and other profiles', async () => {
    const file = join(dir, 'write', 'existing.yml')
    const old = `# our servers\ndefault: other\nprofiles:\n  other:\n    atom_root: /srv/other # the old one\n    timeout: 9\n  atom:\n    atom_root: /srv/previous\n    unit: atom-worker-old\n`
    await writeFile(file, old, {mode: 0o640})
    const refused = await init(['--root', root, '--dry-run'], {ATOM_OPS_CONFIG: file})
    assert.equal(refused.code, 2)
    assert.match(
      refused.stderr,
      /^atom-ops: profile atom exists in .*existing\.yml with other settings: nothing written\n {2}hint: --force replaces it \(the old file is copied to a \.bak first\), or --name picks another name\.\n$/,
    )
    const plain = await init(['--root', root], {ATOM_OPS_CONFIG: file})
    assert.equal(plain.code, 2)
    assert.equal(await readFile(file, 'utf8'), old)

    const forced = await init(['--root', root, '--force', '--json'], {ATOM_OPS_CONFIG: file})
    assert.equal(forced.code, 0, forced.stderr)
    assert.deepEqual(
      forced.result.profiles!.changes.map((c) => [c.name, c.action, c.existing?.settings]),
      [['atom', 'replace', {atom_root: '/srv/previous', unit: 'atom-worker-old'}]],
    )
    const backup = forced.result.backup!
    assert.match(backup, /existing\.yml\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.bak$/)
    assert.equal(await readFile(backup, 'utf8'), old)
    const text = await readFile(file, 'utf8')
    assert.match(text, /^# our servers\n/)
    assert.match(text, /atom_root: \/srv\/other # the old one/)
    assert.deepEqual(parseYaml(text), {
      default: 'other',
      profiles: {other: {atom_root: '/srv/other', timeout: 9}, atom: {atom_root: root}},
    })
    assert.equal((await stat(file)).mode & 0o777, 0o640, 'the mode is kept')
  })

  test('an existing file with `default:` and `profiles:` left empty gets the profile and it as the default', async () => {
    const file = join(dir, 'write', 'empty.yml')
    await writeFile(file, '# to fill in\ndefault:\nprofiles:\n')
    const r = await init(['--root', root, '--force'], {ATOM_OPS_CONFIG: file})
    assert.equal(r.code, 0, r.stderr)
    const text = await readFile(file, 'utf8')
    assert.match(text, /^# to fill in\n/)
    assert.deepEqual(parseYaml(text), {default: 'atom', profiles: {atom: {atom_root: root}}})
  })

  test('--name names the profile; a name atom-ops would refuse is refused before anything is read', async () => {
    const named = await init(['--root', root, '--name', 'live', '--dry-run', '--json'], {
      ATOM_OPS_CONFIG: join(dir, 'write', 'named.yml'),
    })
    assert.equal(named.code, 0, named.stderr)
    assert.deepEqual(parseYaml(named.result.profiles!.text), {default: 'live', profiles: {live: {atom_root: root}}})
    const bad = await init(['--root', root, '--name', 'a b', '--dry-run'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^atom-ops: --name "a b" is not a profile name\n/)
  })
})

describe('config init: failures, one line each with the documented exit code', () => {
  test('no install anywhere: exit 3, with where it looked', async () => {
    const r = await init([])
    assert.equal(r.code, 3)
    assert.match(
      r.stdout,
      /^Found 0 AtoM installs \(looked in 0 directories, 0 processes, 0 unit files, 0 supervisord files\)\.$/m,
    )
    assert.match(
      r.stderr,
      /^atom-ops: no AtoM install found\n {2}hint: Give it with --root DIR, or add places to look with --search-path DIR/,
    )
    const j = await init(['--json'])
    assert.equal(j.code, 3)
    assert.equal(j.result.error?.exitCode, 3)
    assert.deepEqual(j.result.discovery.installs, [])
  })

  test('--root that is missing or not AtoM: exit 2', async () => {
    const missing = await init(['--root', join(dir, 'no-such-dir')])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /^atom-ops: --root .*no-such-dir: no such directory\n {2}hint: /)
    const notAtom = await init(['--root', join(dir, 'bin')])
    assert.equal(notAtom.code, 2)
    assert.match(
      notAtom.stderr,
      /^atom-ops: --root .*bin is not an AtoM install: no apps\/qubit with config\/config\.php or the symfony project files\n/,
    )
  })

  test("atom-ops' config file does not parse: exit 3, not touched", async () => {
    const root = await install(join(dir, 'fail', 'atom'))
    const file = join(dir, 'fail', 'bad.yml')
    await writeFile(file, 'profiles:\n  a: [\n')
    const r = await init(['--root', root, '--force'], {ATOM_OPS_CONFIG: file})
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^atom-ops: .*bad\.yml is not valid YAML/)
    assert.equal(await readFile(file, 'utf8'), 'profiles:\n  a: [\n')
  })

  test('the file cannot be written (a directory this user may not write to): exit 6, nothing left behind', async () => {
    const root = await install(join(dir, 'fail', 'atom-2'))
    const locked = join(dir, 'fail', 'locked')
    await mkdir(locked, {mode: 0o755})
    await chmod(dir, 0o755)
    try {
      const r = await runCli(['config', 'init', '--root', root, '--force'], {
        env: env({ATOM_OPS_CONFIG: join(locked, 'config.yml')}),
        user: {uid: 65_534, gid: 65_534},
      })
      assert.equal(r.code, 6, r.stderr)
      assert.match(
        r.stderr,
        /^atom-ops: could not write .*locked\/config\.yml: EACCES.*\n {2}hint: Check that .*locked is writable by this user, or point ATOM_OPS_CONFIG at another file\.\n$/,
      )
      assert.deepEqual(await readdir(locked), [])
    } finally {
      await chmod(dir, 0o700)
    }
  })
})

describe('config show points at config init', () => {
  test('the root missing: the table is still shown, the root row marked, what needs the install marked unknown; exit 3', async () => {
    const missing = join(dir, 'no-atom-here')
    const r = await runCli(['config', 'show', '--atom-root', missing], {env: env()})
    assert.equal(r.code, 3)
    assert.match(
      r.stdout,
      new RegExp(
        `atom root\\s*│ NOT RESOLVED: not found: ${missing} \\(set --atom-root or run atom-ops config init\\)\\s*│ flag --atom-root`,
      ),
    )
    assert.match(r.stdout, /database\s*│ \(unknown without the install\)\s*│ needs config\/config\.php \(or --db\)/)
    assert.match(r.stdout, /gearman servers\s*│ \(unknown without the install\)/)
    assert.match(r.stdout, /timeout\s*│ 5s/)
    assert.match(
      r.stderr,
      /^atom-ops: AtoM root not found: .*no-atom-here\n {2}hint: .*run `atom-ops config init` to find the installs and write a profile\.\n$/,
    )
    const j = await runCli(['config', 'show', '--json', '--atom-root', missing], {env: env()})
    assert.equal(j.code, 3)
    assert.deepEqual(j.json.settings[0], {
      setting: 'atom root',
      value: missing,
      source: 'flag --atom-root',
      problem: `not found: ${missing} (set --atom-root or run atom-ops config init)`,
    })
  })
})

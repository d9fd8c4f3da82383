import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {cp, mkdir, readdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {TestBed} from '../../support/testbed/testbed.js'

let bed: TestBed
before(async () => {
  bed = await TestBed.start({gearmandCount: 3})
})
after(async () => {
  await bed?.stop()
})

const md5 = (s: string) => createHash('md5').update(s).digest('hex')

/** Every file under dir, to prove a failing command wrote nothing. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, {withFileTypes: true, recursive: true}))
    out.push(join(e.parentPath ?? (e as any).path, e.name))
  return out.sort()
}

describe('config show', () => {
  test('--json reports the database, the Gearman servers and a prefix equal to the md5 rule', async () => {
    const r = await runCli(['config', 'show', '--json', '--atom-root', bed.root], {
      env: {...bed.env(), ATOM_OPS_ATOM_ROOT: ''},
    })
    assert.equal(r.code, 0, r.stderr)
    const j = r.json
    assert.equal(j.atomRoot, bed.root)
    assert.equal(j.realRoot, bed.realRoot)
    assert.equal(j.prefix, md5(bed.realRoot) + '-')
    assert.equal(j.prefix, bed.prefix)
    assert.deepEqual(
      j.gearmanServers.map((s: any) => `${s.host}:${s.port}`),
      bed.servers.map((s) => `${s.host}:${s.port}`),
    )
    assert.equal(j.availabilityCheckServer, `127.0.0.1:${bed.servers[2].port}`)
    assert.equal(j.database.database, bed.db.name)
    assert.equal(j.database.user, bed.db.target.user)
    assert.equal(j.database.password, '********')
    assert.equal(j.workersKey, '')
    assert.equal(Object.keys(j.workerTypes).length, 18)
    const sources = Object.fromEntries(j.settings.map((s: any) => [s.setting, s.source]))
    assert.equal(sources['atom root'], 'flag --atom-root')
    assert.match(sources.database, /^file .*config\/config\.php$/)
    assert.match(sources['gearman servers'], /^file .*config\/gearman\.yml \(all\)$/)
    assert.equal(sources.timeout, 'default (5s)')
  })

  test('the human table names each setting and its source, with the password masked', async () => {
    const r = await runCli(['config', 'show'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /function prefix\s*│\s*[0-9a-f]{32}-/)
    assert.match(r.stdout, /env ATOM_OPS_ATOM_ROOT/)
    assert.match(r.stdout, /password\s*│\s*\*{8}/)
  })

  test('flags beat environment variables, which beat the profile, which beats the files', async () => {
    const config = join(bed.dir, 'profiles-precedence.yml')
    await writeFile(
      config,
      `default: site\nprofiles:\n  site:\n    atom_root: ${bed.root}\n    gearman: [10.0.0.1:4730]\n    workers_key: from-profile\n    timeout: 7\n`,
    )
    const env = {...bed.env(), ATOM_OPS_ATOM_ROOT: '', ATOM_OPS_CONFIG: config}
    const viaProfile = (await runCli(['config', 'show', '--json'], {env})).json
    assert.equal(viaProfile.profile, 'site')
    assert.deepEqual(
      viaProfile.gearmanServers.map((s: any) => s.host),
      ['10.0.0.1'],
    )
    assert.equal(viaProfile.workersKey, 'from-profile')
    assert.equal(viaProfile.prefix, md5(bed.realRoot + 'from-profile') + '-')
    assert.equal(viaProfile.timeoutSeconds, 7)

    const viaEnv = (
      await runCli(['config', 'show', '--json'], {
        env: {
          ...env,
          ATOM_OPS_GEARMAN: '10.0.0.2:1,10.0.0.3',
          ATOM_OPS_WORKERS_KEY: 'from-env',
          ATOM_OPS_TIMEOUT: '2.5',
        },
      })
    ).json
    assert.deepEqual(
      viaEnv.gearmanServers.map((s: any) => `${s.host}:${s.port}`),
      ['10.0.0.2:1', '10.0.0.3:4730'],
    )
    assert.equal(viaEnv.workersKey, 'from-env')
    assert.equal(viaEnv.timeoutSeconds, 2.5)

    const viaFlag = (
      await runCli(
        [
          'config',
          'show',
          '--json',
          '--gearman',
          '10.0.0.4:5',
          '--gearman',
          'gear.example',
          '--workers-key',
          'from-flag',
          '--timeout',
          '1',
        ],
        {env: {...env, ATOM_OPS_GEARMAN: '10.0.0.2:1', ATOM_OPS_WORKERS_KEY: 'from-env'}},
      )
    ).json
    assert.deepEqual(
      viaFlag.gearmanServers.map((s: any) => `${s.host}:${s.port}`),
      ['10.0.0.4:5', 'gear.example:4730'],
    )
    assert.equal(viaFlag.workersKey, 'from-flag')
    const sources = Object.fromEntries(viaFlag.settings.map((s: any) => [s.setting, s.source]))
    assert.equal(sources['gearman servers'], 'flag --gearman')
    assert.equal(sources.workers_key, 'flag --workers-key')
    assert.match(sources['atom root'], /^profile site/)
  })

  test('--db overrides config.php; its password is masked too', async () => {
    const r = await runCli(
      ['config', 'show', '--json', '--db', 'mysql://ops:S3cr3t%24x@db.example:3307/atom_live?charset=utf8mb4'],
      {env: bed.env()},
    )
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.json.database, {
      host: 'db.example',
      port: 3307,
      socket: null,
      user: 'ops',
      database: 'atom_live',
      charset: 'utf8mb4',
      password: '********',
      passwordSource: 'flag --db',
    })
    assert.doesNotMatch(r.stdout + r.stderr, /S3cr3t/)
  })

  test('a DSN without host, or with unix_socket, means the local socket', async () => {
    const root = join(bed.dir, 'socket-install')
    await cp(bed.realRoot, root, {recursive: true})
    const php = join(root, 'config', 'config.php')
    const {readFile} = await import('node:fs/promises')
    const text = await readFile(php, 'utf8')
    await writeFile(php, text.replace(/'dsn' => '[^']*'/, `'dsn' => 'mysql:dbname=atom;port=3306'`))
    const noHost = (await runCli(['config', 'show', '--json', '--atom-root', root], {env: bed.env()})).json
    assert.equal(noHost.database.socket, '/var/run/mysqld/mysqld.sock')
    assert.equal(noHost.database.host, null)
    await writeFile(php, text.replace(/'dsn' => '[^']*'/, `'dsn' => 'mysql:unix_socket=/tmp/my.sock;dbname=atom'`))
    assert.equal(
      (await runCli(['config', 'show', '--json', '--atom-root', root], {env: bed.env()})).json.database.socket,
      '/tmp/my.sock',
    )
  })
})

describe('bad input: one clear line, the documented exit code, nothing written; what did resolve is still shown', () => {
  let broken: string
  before(async () => {
    broken = join(bed.dir, 'broken')
    await mkdir(join(broken, 'config'), {recursive: true})
  })

  // partial: config show still shows what resolved, the failing part marked NOT RESOLVED.
  const cases: Array<{
    name: string
    args: () => string[]
    env?: () => NodeJS.ProcessEnv
    setup?: () => Promise<void>
    code: number
    message: RegExp
    partial?: boolean
  }> = [
    {
      name: 'missing root',
      args: () => ['--atom-root', join(bed.dir, 'no-such-root')],
      code: 3,
      message: /AtoM root not found/,
      partial: true,
    },
    {
      name: 'missing config.php',
      args: () => ['--atom-root', broken],
      code: 3,
      message: /config\.php not found/,
      partial: true,
    },
    {
      name: 'PHP that does not parse',
      setup: () => writeFile(join(broken, 'config', 'config.php'), "<?php return array('all' => "),
      args: () => ['--atom-root', broken],
      code: 3,
      message: /config\.php is not valid PHP/,
      partial: true,
    },
    {
      name: 'YAML that does not parse',
      async setup() {
        await cp(join(bed.realRoot, 'config', 'config.php'), join(broken, 'config', 'config.php'))
        await writeFile(join(broken, 'config', 'gearman.yml'), 'all:\n  servers: {default: [\n')
      },
      args: () => ['--atom-root', broken],
      code: 3,
      message: /gearman\.yml is not valid YAML/,
      partial: true,
    },
    {
      name: 'a DSN without dbname',
      async setup() {
        await writeFile(join(broken, 'config', 'gearman.yml'), 'all: {}\n')
        await writeFile(
          join(broken, 'config', 'config.php'),
          "<?php return array('all' => array('propel' => array('param' => array('dsn' => 'mysql:host=db;port=3306', 'username' => 'u', 'password' => 'pw-in-broken-file'))));",
        )
      },
      args: () => ['--atom-root', broken],
      code: 3,
      message: /DSN has no dbname/,
      partial: true,
    },
    {name: 'an unknown profile', args: () => ['--profile', 'nope'], code: 3, message: /unknown profile "nope"/},
    {
      name: 'a malformed --db URL',
      args: () => ['--db', 'mysql//root@db/atom'],
      code: 2,
      message: /--db: not a valid URL/,
    },
    {
      name: 'a --db URL with another scheme',
      args: () => ['--db', 'postgres://u:p@db/atom'],
      code: 2,
      message: /scheme must be mysql/,
    },
    {
      name: 'a --db URL without a database',
      args: () => ['--db', 'mysql://u:hunter2@db:3306/'],
      code: 2,
      message: /no database name/,
    },
    {
      name: 'a malformed --gearman address',
      args: () => ['--gearman', 'host:port:x'],
      code: 2,
      message: /--gearman: "host:port:x" is not a valid host:port/,
    },
    {
      name: 'a --gearman port out of range',
      args: () => ['--gearman', '127.0.0.1:70000'],
      code: 2,
      message: /not a valid host:port/,
    },
    {
      name: 'a malformed ATOM_OPS_GEARMAN',
      args: () => [],
      env: () => ({ATOM_OPS_GEARMAN: 'a b'}),
      code: 2,
      message: /\$ATOM_OPS_GEARMAN: "a b"/,
    },
    {name: 'a bad --timeout', args: () => ['--timeout', '-1'], code: 2, message: /--timeout "-1"/},
    {name: 'an unknown flag', args: () => ['--nope'], code: 2, message: /unknown flag --nope/},
    {
      name: 'a profile file that does not parse',
      args: () => [],
      env: () => ({ATOM_OPS_CONFIG: join(bed.dir, 'bad-profiles.yml')}),
      setup: () => writeFile(join(bed.dir, 'bad-profiles.yml'), 'profiles:\n  a: [\n'),
      code: 3,
      message: /bad-profiles\.yml is not valid YAML/,
    },
    // Huge or explosive files: refused on their size (read from fstat, before the file is) or on their aliases, at once.
    {
      name: 'a 50 MiB config.php',
      setup: () =>
        writeFile(
          join(broken, 'config', 'config.php'),
          `<?php\nreturn array('all' => array(\n${"  'padding' => 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n".repeat(50 * 16_384).slice(0, 50 * 1024 * 1024 - 60)}));\n`,
        ),
      args: () => ['--atom-root', broken],
      code: 3,
      message: /AtoM's config\.php is too large: \S+\/config\/config\.php is 50\.0 MiB, over the 1\.0 MiB limit$/,
      partial: true,
    },
    {
      name: 'a 40 MiB gearman.yml',
      async setup() {
        await cp(join(bed.realRoot, 'config', 'config.php'), join(broken, 'config', 'config.php'))
        await writeFile(
          join(broken, 'config', 'gearman.yml'),
          `all:\n  servers:\n${'    default: 127.0.0.1:4730\n'.repeat((40 * 1024 * 1024) / 28)}`,
        )
      },
      args: () => ['--atom-root', broken],
      code: 3,
      message: /AtoM's gearman\.yml is too large: \S+\/config\/gearman\.yml is 40\.0 MiB, over the 1\.0 MiB limit$/,
      partial: true,
    },
    {
      name: 'a billion-laughs gearman.yml',
      setup() {
        const levels = Array.from(
          {length: 9},
          (_, i) => `l${i + 1}: &l${i + 1} [${Array.from({length: 10}).fill(`*l${i}`).join(', ')}]`,
        )
        return writeFile(
          join(broken, 'config', 'gearman.yml'),
          ['l0: &l0 "lol"', ...levels, 'all:', '  servers: *l9', ''].join('\n'),
        )
      },
      args: () => ['--atom-root', broken],
      code: 3,
      message: /gearman\.yml: its YAML aliases \(\*name\) expand too far to be read/,
      partial: true,
    },
  ]

  for (const c of cases) {
    test(c.name, async () => {
      await c.setup?.()
      const before = await tree(bed.dir)
      const r = await runCli(['config', 'show', ...c.args()], {env: {...bed.env(), ...c.env?.()}})
      assert.equal(r.code, c.code, `exit code for ${c.name}: ${r.stderr}`)
      if (c.partial) {
        assert.match(r.stdout, /NOT RESOLVED/)
        assert.match(r.stdout, /atom root/)
      } else assert.equal(r.stdout, '')
      const lines = r.stderr.trimEnd().split('\n')
      assert.match(lines[0], /^atom-ops: /)
      assert.match(lines[0], c.message)
      assert.ok(lines.length <= 2, `at most a message and a hint: ${r.stderr}`)
      if (lines[1]) assert.match(lines[1], /^ {2}hint: /)
      assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace')
      assert.doesNotMatch(r.stderr, /hunter2|pw-in-broken-file/)
      assert.deepEqual(await tree(bed.dir), before, 'nothing written')

      const j = await runCli(['config', 'show', '--json', ...c.args()], {env: {...bed.env(), ...c.env?.()}})
      assert.equal(j.code, c.code)
      if (c.code !== 2 || !/Nonexistent/.test(c.name)) assert.match(j.json?.error?.message ?? '', c.message)
    })
  }
})

test('the password from config.php never appears in any output, including errors', async () => {
  const {password} = bed.db.target
  const runs = [
    ['config', 'show'],
    ['config', 'show', '--json'],
    ['config', 'show', '--debug'],
    ['config', 'show', '--timeout', 'x'],
    ['config', 'show', '--gearman', '::bad::'],
    ['config', 'show', '--db', `mysql://u:${encodeURIComponent(password)}@db:3306/`],
    ['config', 'show', '--db', `mysql//u:${password}@db`],
  ]
  for (const args of runs) {
    const r = await runCli(args, {env: bed.env()})
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(password), `password leaked by ${args.join(' ')}`)
      assert.ok(!text.includes(encodeURIComponent(password)), `encoded password leaked by ${args.join(' ')}`)
    }
  }
})

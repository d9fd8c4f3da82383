import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {supervisordConfigArgument, unitFromCgroup} from '../../../src/lib/discover/processes.js'
import {parseSupervisorIni} from '../../../src/lib/discover/units.js'
import {parseWorkerCommand} from '../../../src/lib/discover/worker-command.js'
import {proposeProfileName} from '../../../src/lib/settings/write.js'
import {splitShellWords} from '../../../src/lib/util/words.js'

describe('a worker command line', () => {
  const cases: Array<{name: string; argv: string[]; dir?: string; root: string | undefined; options?: string[]}> = [
    {name: "the documented unit's ExecStart", argv: ['/usr/bin/php7.4', '-d', 'memory_limit=-1', '-d', 'error_reporting="E_ALL"', 'symfony', 'jobs:worker', '--max-job-count=100'], dir: '/usr/share/nginx/atom', root: '/usr/share/nginx/atom', options: ['--max-job-count=100']},
    {name: 'an absolute symfony script needs no directory', argv: ['php8.1', '/srv/atom/symfony', 'jobs:worker'], root: '/srv/atom'},
    {name: './symfony relative to the directory', argv: ['php', './symfony', 'jobs:worker', '--types', 'general'], dir: '/var/www/atom', root: '/var/www/atom', options: ['--types', 'general']},
    {name: 'a script interpreter in front (sh running a php wrapper)', argv: ['/bin/sh', '/opt/bin/php', 'symfony', 'jobs:worker'], dir: '/a', root: '/a'},
    {name: 'behind sudo', argv: ['sudo', '-u', 'www-data', 'php', '/srv/atom/symfony', 'jobs:worker'], root: '/srv/atom'},
    {name: 'a relative script with no known directory', argv: ['php', 'symfony', 'jobs:worker'], root: undefined},
    {name: 'sh -c "cd DIR && exec php symfony jobs:worker"', argv: ['/bin/sh', '-c', 'cd /srv/atom-2.8 && exec /usr/bin/php -d memory_limit=-1 symfony jobs:worker'], dir: '/', root: '/srv/atom-2.8'},
    {name: 'bash -c "cd rel; php symfony jobs:worker" relative to the directory', argv: ['bash', '-c', 'cd atom; php symfony jobs:worker'], dir: '/var/www', root: '/var/www/atom'},
  ]
  for (const c of cases) {
    test(c.name, () => {
      const found = parseWorkerCommand(c.argv, c.dir)
      assert.ok(found, 'recognised')
      assert.equal(found.root, c.root)
      if (c.options) assert.deepEqual(found.options, c.options)
    })
  }

  test('other commands are not workers', () => {
    for (const argv of [
      ['php', 'symfony', 'cc'],
      ['grep', 'symfony', 'jobs:worker'],
      ['vim', '/etc/supervisor/conf.d/jobs:worker'],
      ['php', 'jobs:worker'],
      ['python3', 'symfony', 'jobs:worker'],
      ['sh', '-c', 'echo php symfony jobs:worker'],
      ['/usr/bin/python3', '/usr/bin/supervisorctl', 'php', 'symfony', 'jobs:worker'],
    ]) {
      assert.equal(parseWorkerCommand(argv, '/x'), undefined, argv.join(' '))
    }
  })
})

test('shell words: quotes group, backslashes escape, an open quote is refused', () => {
  assert.deepEqual(splitShellWords(`php -d error_reporting="E_ALL & ~E_DEPRECATED" 'a b' c\\ d "x\\"y"`), ['php', '-d', 'error_reporting=E_ALL & ~E_DEPRECATED', 'a b', 'c d', 'x"y'])
  assert.deepEqual(splitShellWords('  '), [])
  assert.equal(splitShellWords('php "symfony'), undefined)
})

test("supervisord's INI: comments, inline comments, continuation lines, `:` as separator", () => {
  const sections = parseSupervisorIni(
    [
      '; a comment',
      '[program:atom-worker]',
      'command = /usr/bin/php symfony jobs:worker ; inline comment',
      'directory: /usr/share/nginx/atom',
      'environment = A="1",',
      '  B="2"',
      '# another comment',
      '[group:atom]',
      'programs=atom-worker,other',
    ].join('\n'),
  )
  assert.deepEqual(
    sections.map((s) => [s.name, Object.fromEntries(s.values)]),
    [
      ['program:atom-worker', {command: '/usr/bin/php symfony jobs:worker', directory: '/usr/share/nginx/atom', environment: 'A="1",\nB="2"'}],
      ['group:atom', {programs: 'atom-worker,other'}],
    ],
  )
})

test("a process's systemd unit from its cgroup (v1 and v2 lines; sessions and managers are no unit)", () => {
  assert.deepEqual(unitFromCgroup('0::/system.slice/atom-worker.service\n'), {unit: 'atom-worker', user: false})
  assert.deepEqual(unitFromCgroup('1:name=systemd:/system.slice/atom-worker@2.service\n0::/\n'), {unit: 'atom-worker@2', user: false})
  assert.deepEqual(unitFromCgroup('0::/user.slice/user-1000.slice/user@1000.service/app.slice/atom-worker.service\n'), {unit: 'atom-worker', user: true})
  assert.equal(unitFromCgroup('0::/user.slice/user-1000.slice/session-3.scope\n'), undefined)
  assert.equal(unitFromCgroup('0::/user.slice/user-1000.slice/user@1000.service/init.scope\n'), undefined)
  assert.equal(unitFromCgroup('0::/init.scope\n'), undefined)
})

test("supervisord's -c in its forms, relative to its working directory", () => {
  assert.equal(supervisordConfigArgument(['/usr/bin/python3', '/usr/bin/supervisord', '-n', '-c', '/etc/supervisor/supervisord.conf'], '/'), '/etc/supervisor/supervisord.conf')
  assert.equal(supervisordConfigArgument(['supervisord', '--configuration=sv.conf'], '/srv/ops'), '/srv/ops/sv.conf')
  assert.equal(supervisordConfigArgument(['supervisord', '-csv.conf'], '/srv/ops'), '/srv/ops/sv.conf')
  assert.equal(supervisordConfigArgument(['supervisord', '-n'], '/'), undefined)
})

test('profile names: the directory name, the parent for generic ones, unique', () => {
  const taken = new Set<string>()
  assert.equal(proposeProfileName('/usr/share/nginx/atom', taken), 'atom')
  assert.equal(proposeProfileName('/srv/atom', taken), 'srv-atom')
  assert.equal(proposeProfileName('/var/www/atom-staging', taken), 'atom-staging')
  assert.equal(proposeProfileName('/var/www/html', taken), 'www-html')
  assert.equal(proposeProfileName('/opt/Archives de la Ville', taken), 'Archives-de-la-Ville')
  assert.equal(proposeProfileName('/srv2/srv/atom', taken), 'srv-atom-2')
})

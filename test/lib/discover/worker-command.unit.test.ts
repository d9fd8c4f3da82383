import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parseWorkerCommand} from '../../../src/lib/discover/worker-command.js'

describe('a worker command line', () => {
  const cases: Array<{name: string; argv: string[]; dir?: string; root: string | undefined; options?: string[]}> = [
    {
      name: "the documented unit's ExecStart",
      argv: [
        '/usr/bin/php7.4',
        '-d',
        'memory_limit=-1',
        '-d',
        'error_reporting="E_ALL"',
        'symfony',
        'jobs:worker',
        '--max-job-count=100',
      ],
      dir: '/usr/share/nginx/atom',
      root: '/usr/share/nginx/atom',
      options: ['--max-job-count=100'],
    },
    {
      name: 'an absolute symfony script needs no directory',
      argv: ['php8.1', '/srv/atom/symfony', 'jobs:worker'],
      root: '/srv/atom',
    },
    {
      name: './symfony relative to the directory',
      argv: ['php', './symfony', 'jobs:worker', '--types', 'general'],
      dir: '/var/www/atom',
      root: '/var/www/atom',
      options: ['--types', 'general'],
    },
    {
      name: 'a script interpreter in front (sh running a php wrapper)',
      argv: ['/bin/sh', '/opt/bin/php', 'symfony', 'jobs:worker'],
      dir: '/a',
      root: '/a',
    },
    {
      name: 'behind sudo',
      argv: ['sudo', '-u', 'www-data', 'php', '/srv/atom/symfony', 'jobs:worker'],
      root: '/srv/atom',
    },
    {name: 'a relative script with no known directory', argv: ['php', 'symfony', 'jobs:worker'], root: undefined},
    {
      name: 'sh -c "cd DIR && exec php symfony jobs:worker"',
      argv: ['/bin/sh', '-c', 'cd /srv/atom-2.8 && exec /usr/bin/php -d memory_limit=-1 symfony jobs:worker'],
      dir: '/',
      root: '/srv/atom-2.8',
    },
    {
      name: 'bash -c "cd rel; php symfony jobs:worker" relative to the directory',
      argv: ['bash', '-c', 'cd atom; php symfony jobs:worker'],
      dir: '/var/www',
      root: '/var/www/atom',
    },
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

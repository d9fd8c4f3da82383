import assert from 'node:assert/strict'
import {test} from 'node:test'

import {supervisordConfigArgument, unitFromCgroup} from '../../../src/lib/discover/processes.js'

test("a process's systemd unit from its cgroup (v1 and v2 lines; sessions and managers are no unit)", () => {
  assert.deepEqual(unitFromCgroup('0::/system.slice/atom-worker.service\n'), {unit: 'atom-worker', user: false})
  assert.deepEqual(unitFromCgroup('1:name=systemd:/system.slice/atom-worker@2.service\n0::/\n'), {
    unit: 'atom-worker@2',
    user: false,
  })
  assert.deepEqual(unitFromCgroup('0::/user.slice/user-1000.slice/user@1000.service/app.slice/atom-worker.service\n'), {
    unit: 'atom-worker',
    user: true,
  })
  assert.equal(unitFromCgroup('0::/user.slice/user-1000.slice/session-3.scope\n'), undefined)
  assert.equal(unitFromCgroup('0::/user.slice/user-1000.slice/user@1000.service/init.scope\n'), undefined)
  assert.equal(unitFromCgroup('0::/init.scope\n'), undefined)
})

test("supervisord's -c in its forms, relative to its working directory", () => {
  assert.equal(
    supervisordConfigArgument(
      ['/usr/bin/python3', '/usr/bin/supervisord', '-n', '-c', '/etc/supervisor/supervisord.conf'],
      '/',
    ),
    '/etc/supervisor/supervisord.conf',
  )
  assert.equal(supervisordConfigArgument(['supervisord', '--configuration=sv.conf'], '/srv/ops'), '/srv/ops/sv.conf')
  assert.equal(supervisordConfigArgument(['supervisord', '-csv.conf'], '/srv/ops'), '/srv/ops/sv.conf')
  assert.equal(supervisordConfigArgument(['supervisord', '-n'], '/'), undefined)
})

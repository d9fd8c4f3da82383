import assert from 'node:assert/strict'
import {test} from 'node:test'

import {adviseOnWorkerUnit, parseUnit} from '../../../src/lib/doctor/unit-advice.js'

// The unit from AtoM's installation manual, as `systemctl cat atom-worker` prints it.
const STOCK = `# /usr/lib/systemd/system/atom-worker.service
[Unit]
Description=AtoM worker
After=network.target
# High interval and low restart limit to increase the possibility
# of hitting the rate limits in long running recurrent jobs.
StartLimitIntervalSec=24h
StartLimitBurst=3

[Install]
WantedBy=multi-user.target

[Service]
Type=simple
User=www-data
Group=www-data
WorkingDirectory=/usr/share/nginx/atom
ExecStart=/usr/bin/php7.4 -d memory_limit=-1 -d error_reporting="E_ALL" symfony jobs:worker
KillSignal=SIGTERM
Restart=on-failure
RestartSec=30
`

test('the stock unit: no ordering after MySQL and gearmand; the drop-in adds it', () => {
  const advice = adviseOnWorkerUnit(STOCK, 'atom-worker')
  assert.equal(advice.findings.length, 1)
  assert.match(advice.findings[0], /not ordered after MySQL\/MariaDB and gearmand/)
  assert.equal(advice.dropInPath, '/etc/systemd/system/atom-worker.service.d/atom-ops.conf')
  assert.equal(
    advice.dropIn,
    '# written by atom-ops doctor\n[Unit]\nWants=mariadb.service mysql.service gearman-job-server.service\nAfter=network-online.target mariadb.service mysql.service gearman-job-server.service\n',
  )
})

test('--max-job-count with Restart=on-failure: exit 111 burns the start limit', () => {
  const unit = STOCK.replace('symfony jobs:worker', 'symfony jobs:worker --max-job-count=50')
  const advice = adviseOnWorkerUnit(unit, 'atom-worker')
  assert.equal(advice.findings.length, 2)
  assert.match(advice.findings[1], /exits 111 on purpose/)
  assert.match(advice.dropIn!, /\[Service\]\nSuccessExitStatus=111\nRestart=always\n$/)
})

test('a drop-in that already orders the unit and accepts 111 leaves nothing to advise', () => {
  const unit = `${STOCK.replace('symfony jobs:worker', 'symfony jobs:worker \\\n  --max-mem-usage=500000')}
# /etc/systemd/system/atom-worker.service.d/override.conf
[Unit]
Wants=mariadb.service gearman-job-server.service
After=mariadb.service gearman-job-server.service
[Service]
SuccessExitStatus=111
Restart=always
`
  assert.deepEqual(adviseOnWorkerUnit(unit, 'atom-worker'), {findings: [], dropIn: null, dropInPath: null})
})

test('an empty assignment in a drop-in resets the list, as systemd does', () => {
  const unit = `[Unit]\nAfter=mariadb.service gearman-job-server.service\n[Unit]\nAfter=\nAfter=network.target\n`
  assert.deepEqual(parseUnit(unit).get('Unit')!.get('After'), ['network.target'])
  assert.equal(
    adviseOnWorkerUnit(unit, 'atom-worker@1.service').dropInPath,
    '/etc/systemd/system/atom-worker@1.service.d/atom-ops.conf',
  )
})

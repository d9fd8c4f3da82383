import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {test} from 'node:test'

import {Database} from '../../src/lib/db/database.js'
import {GearmanAdmin} from '../../src/lib/gearman/admin.js'
import {isAlive} from '../support/testbed/processes.js'
import {insertJob} from '../support/testbed/seed.js'
import {TestBed} from '../support/testbed/testbed.js'

test('the test bed starts real services, connects to both, and leaves nothing behind', async () => {
  const bed = await TestBed.start({gearmandCount: 2})
  let stopped = false
  try {
    // gearmand answers on each server
    for (const server of bed.servers) assert.match(await new GearmanAdmin(server, 2000).version(), /^1\.\d+/)
    // a real worker registers the install's prefixed function, on the last server (the one AtoM asks)
    const worker = await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'])
    const status = await new GearmanAdmin(bed.servers[1], 2000).status()
    assert.deepEqual(
      status
        .filter((s) => s.function.startsWith(bed.prefix))
        .map((s) => [s.function, s.availableWorkers])
        .sort(),
      [
        [bed.fn('arFindingAidJob'), 1],
        [bed.fn('arObjectMoveJob'), 1],
      ],
    )
    // MariaDB: the AtoM schema with its status terms, reachable as the install's own user
    const id = await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'error',
      notes: ['a note'],
      errorNote: 'boom',
    })
    const rows = await bed.database.rows<{name: string; status_id: number; notes: number}>(
      'SELECT j.name, j.status_id, (SELECT COUNT(*) FROM note n WHERE n.object_id = j.id) AS notes FROM job j JOIN object o ON o.id = j.id WHERE j.id = ?',
      [id],
    )
    assert.deepEqual(rows, [{name: 'arFindingAidJob', status_id: 185, notes: 2}])
    // deleting the object cascades to job, notes and their i18n rows
    await bed.database.execute('DELETE FROM object WHERE id = ?', [id])
    const left = await bed.database.rows<{n: number}>(
      'SELECT (SELECT COUNT(*) FROM job) + (SELECT COUNT(*) FROM note) + (SELECT COUNT(*) FROM note_i18n) AS n',
    )
    assert.equal(Number(left[0].n), 0)

    const pids = [...bed.gearmands.map((g) => g.pid), worker.pid]
    const {target} = bed.db
    const {dir} = bed
    await bed.stop()
    stopped = true
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} still running`)
    for (const server of bed.servers) await assert.rejects(new GearmanAdmin(server, 1000).version(), /refused/)
    await assert.rejects(Database.open(target, 2000), /access denied|does not exist/)
    assert.equal(existsSync(dir), false)
  } finally {
    if (!stopped) await bed.stop()
  }
})

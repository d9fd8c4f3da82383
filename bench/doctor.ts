/**
 * doctor's wall time with every service up (target < 2 s) and with one Gearman server silent
 * (target < --timeout + 1 s), against a sandbox with workers for every job class.
 * Run: npm run build && npx tsx bench/doctor.ts [runs]
 */
import {spawnSync} from 'node:child_process'

import {startBlackhole} from '../test/support/testbed/processes.js'
import {STOCK_WORKER_TYPES} from '../test/support/testbed/schema.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI, median} from './lib.js'

const runs = Number(process.argv[2] ?? 7)
const bed = await TestBed.start({gearmandCount: 2})
const hole = await startBlackhole()
try {
  await bed.startWorker([...new Set(Object.values(STOCK_WORKER_TYPES).flat())])
  const env = {...process.env, ...bed.env()}
  const time = (args: string[]) => () => {
    const started = process.hrtime.bigint()
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--json', ...args], {env, encoding: 'utf8'})
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (r.status === null || r.status > 2) throw new Error(`doctor exited ${r.status}: ${r.stderr}`)
    return ms
  }

  const healthy = median(runs, time([]))
  const timeout = 2
  const silent = median(
    runs,
    time([
      '--timeout',
      String(timeout),
      '--gearman',
      `127.0.0.1:${bed.servers[0].port}`,
      '--gearman',
      `127.0.0.1:${hole.port}`,
    ]),
  )
  console.log(`doctor, median of ${runs} runs (process start included)`)
  console.log(
    `every service up:            ${healthy.toFixed(0).padStart(6)} ms   target < 2000 ms   ${healthy < 2000 ? 'met' : 'MISSED'}`,
  )
  console.log(
    `one server silent, --timeout ${timeout}: ${silent.toFixed(0).padStart(6)} ms   target < ${(timeout + 1) * 1000} ms   ${silent < (timeout + 1) * 1000 ? 'met' : 'MISSED'}`,
  )
} finally {
  await hole.close()
  await bed.stop()
}

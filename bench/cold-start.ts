/**
 * Cold start of the CLI against a bare `node -e 0`, in the same run.
 * Run: npm run build && npx tsx bench/cold-start.ts [runs]
 */
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI, median, row, timeRun} from './lib.js'

const runs = Number(process.argv[2] ?? 15)
const node = median(runs, () => timeRun(process.execPath, ['-e', '0']))
const version = median(runs, () => timeRun(process.execPath, [CLI, '--version']))
console.log(`cold start, median of ${runs} runs`)
console.log(row('atom-ops --version vs node -e 0', version, node, '<= 4'))

const bed = await TestBed.start()
try {
  const env = {...process.env, ...bed.env()}
  await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'])
  const queue = median(runs, () => timeRun(process.execPath, [CLI, 'queue', 'status'], env))
  console.log(row('atom-ops queue status vs node -e 0', queue, node, '<= 4'))
  const config = median(runs, () => timeRun(process.execPath, [CLI, 'config', 'show', '--json'], env))
  console.log(row('atom-ops config show --json vs node -e 0', config, node, '(no target)'))
} finally {
  await bed.stop()
}

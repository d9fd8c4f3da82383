/**
 * Cold start of the CLI against a bare `node -e 0`, in the same run.
 * Run: npm run build && npx tsx bench/cold-start.ts [runs]   (BENCH_NODE=/path/to/node: another Node)
 */
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI, median, row, timeRun} from './lib.js'

/** The Node that runs the CLI and `node -e 0`: BENCH_NODE=/path/to/node (e.g. the packaged Node 22), else this one. */
const NODE = process.env.BENCH_NODE || process.execPath

const runs = Number(process.argv[2] ?? 15)
const node = median(runs, () => timeRun(NODE, ['-e', '0']))
const version = median(runs, () => timeRun(NODE, [CLI, '--version']))
console.log(`cold start, median of ${runs} runs`)
console.log(row('atom-ops --version vs node -e 0', version, node, '<= 2'))

const bed = await TestBed.start()
try {
  const env = {...process.env, ...bed.env()}
  await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'])
  const queue = median(runs, () => timeRun(NODE, [CLI, 'queue', 'status'], env))
  console.log(row('atom-ops queue status vs node -e 0', queue, node, '<= 4'))
  const config = median(runs, () => timeRun(NODE, [CLI, 'config', 'show', '--json'], env))
  console.log(row('atom-ops config show --json vs node -e 0', config, node, '(no target)'))
} finally {
  await bed.stop()
}

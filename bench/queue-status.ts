import {resolveConfig} from '../src/lib/config/resolve.js'
import {GearmanAdmin} from '../src/lib/gearman/admin.js'
/**
 * `queue status` against 3 job servers holding 2,000 functions and 300 workers each, against the
 * baseline an operator runs today: `gearadmin --status` once per server, in sequence. Both sides are
 * timed as whole processes (our Node start-up included) and, for the protocol work alone, in-process.
 * Run: npm run build && npx tsx bench/queue-status.ts [runs]   (BENCH_NODE=/path/to/node: another Node)
 */
import {BinaryConnection} from '../src/lib/gearman/binary.js'
import {queueStatus} from '../src/lib/queue/inspect.js'
import {type RunningGearmand, startGearmand} from '../test/support/testbed/gearmand.js'
import {waitFor} from '../test/support/testbed/processes.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI, median, row, timeRun} from './lib.js'

/** The Node that runs the CLI and `node -e 0`: BENCH_NODE=/path/to/node (e.g. the packaged Node 22), else this one. */
const NODE = process.env.BENCH_NODE || process.execPath

const runs = Number(process.argv[2] ?? 9)
const bed = await TestBed.start()
const servers: RunningGearmand[] = []
const conns: BinaryConnection[] = []
try {
  for (let s = 0; s < 3; s++) {
    const g = await startGearmand(bed.dir)
    servers.push(g)
    for (let i = 0; i < 300; i++) {
      const c = await BinaryConnection.open(g, 3000)
      conns.push(c)
      c.registerWorker(
        Array.from({length: 7}, (_, k) => `${bed.prefix}BenchJob${(i * 7 + k) % 2000}`),
        `bench-${i}`,
      )
    }

    await waitFor(
      'registrations',
      async () => {
        const snap = await new GearmanAdmin(g, 5000).snapshot()
        return snap.status.length === 2000 && snap.workers.length === 300 ? true : undefined
      },
      30_000,
      100,
    )
  }

  const gearmanFlags = servers.flatMap((g) => ['--gearman', `127.0.0.1:${g.port}`])
  const env = {...process.env, ...bed.env()}

  const gearadmin = median(runs, () =>
    servers.reduce((sum, g) => sum + timeRun('gearadmin', ['-h', '127.0.0.1', '-p', String(g.port), '--status']), 0),
  )
  const cli = median(runs, () => timeRun(NODE, [CLI, 'queue', 'status', '--json', ...gearmanFlags], env))
  const cliHuman = median(runs, () => timeRun(NODE, [CLI, 'queue', 'status', ...gearmanFlags], env))
  const config = await resolveConfig({gearman: servers.map((g) => `127.0.0.1:${g.port}`)}, env)
  const lib: number[] = []
  for (let i = 0; i <= runs; i++) {
    const started = process.hrtime.bigint()
    const report = await queueStatus(config, {all: false})
    if (report.servers.length !== 3) throw new Error('expected 3 servers')
    if (i > 0) lib.push(Number(process.hrtime.bigint() - started) / 1e6)
  }

  lib.sort((a, b) => a - b)
  const libMedian = lib[Math.floor(lib.length / 2)]

  console.log(`3 servers x 2,000 functions x 300 workers, median of ${runs} runs`)
  console.log(row('queue status --json (process) vs 3x gearadmin', cli, gearadmin, '<= 2'))
  console.log(row('queue status, table (process) vs 3x gearadmin', cliHuman, gearadmin, '<= 2'))
  console.log(row('queueStatus() in-process vs 3x gearadmin', libMedian, gearadmin, '(protocol work only)'))
  const node = median(runs, () => timeRun(NODE, ['-e', '0']))
  console.log(row('node -e 0 vs 3x gearadmin', node, gearadmin, '(Node start-up floor)'))
  console.log(row(`queue status --json (process) vs node -e 0`, cli, node, '<= 4 (Node 20)'))
  console.log(`node: ${NODE}`)
} finally {
  for (const c of conns) c.close()
  for (const g of servers) await g.stop()
  await bed.stop()
}

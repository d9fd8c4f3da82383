/**
 * doctor's verdict and wall time for the scenarios of issue 12, on an idle machine and under load (CPU
 * hogs on every core and then some): the verdict must be the same; the time is only reported.
 * Run: npm run build && npx tsx bench/doctor-scenarios.ts [hogs]
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {functionPrefix} from '../src/lib/atom/prefix.js'
import {GearmanAdmin} from '../src/lib/gearman/admin.js'
import {waitFor} from '../test/support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../test/support/testbed/schema.js'
import {insertJob} from '../test/support/testbed/seed.js'
import {gearmanWorkerCommand, startSupervisord} from '../test/support/testbed/supervisord.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {submitBackgroundJob} from '../test/support/testbed/workers.js'
import {CLI} from './lib.js'

const hogCount = Number(process.argv[2] ?? 6)
const HANGING = 'arInformationObjectXmlExportJob'

const bed = await TestBed.start({gearmandCount: 2})
const [first, last] = bed.servers
const sup = await startSupervisord(join(bed.dir, 'supervisor'), {
  programs: [
    {
      name: 'atom-worker',
      command: gearmanWorkerCommand(
        last,
        STOCK_REGISTERED_CLASSES.filter((c) => c !== HANGING).map((c) => bed.fn(c)),
      ),
    },
  ],
})
const stray = await bed.startWorker([HANGING], {server: last, command: ['sleep', '100000']})
const sv = ['--manager', 'supervisor', '--supervisor-config', sup.configFile]

function doctor(args: string[], extraEnv: NodeJS.ProcessEnv = {}): {status: string; cause: string; ms: number} {
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [CLI, 'doctor', '--json', ...args], {
    env: {...process.env, ...bed.env(extraEnv)},
    encoding: 'utf8',
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const report = JSON.parse(r.stdout)
  return {status: report.status, cause: report.mostLikelyCause?.id ?? '-', ms}
}

interface Scenario {
  name: string
  setup: () => Promise<void>
  args: string[]
  env?: NodeJS.ProcessEnv
  teardown: () => Promise<void>
}

const available = async () =>
  (await new GearmanAdmin(last, 2000).status()).find((s) => s.function === bed.fn('arFindingAidJob'))
    ?.availableWorkers ?? 0
const stopService = async () => {
  await sup.ctl('stop', 'atom-worker')
  await waitFor('service gone', async () => ((await available()) === 0 ? true : undefined), 15_000)
}

const startService = async () => {
  await sup.ctl('start', 'atom-worker')
  await waitFor('service back', async () => ((await available()) === 1 ? true : undefined), 15_000)
}

const nothing = async () => undefined
let other: Awaited<ReturnType<TestBed['startWorker']>> | undefined
let zombie = 0

const scenarios: Scenario[] = [
  {name: 'healthy (service running, stray on one class)', setup: nothing, args: sv, teardown: nothing},
  {name: 'service stopped, stray worker connected', setup: stopService, args: sv, teardown: nothing},
  {name: 'the same, no service manager known', setup: nothing, args: [], teardown: startService},
  {
    name: 'stray worker under another prefix, service healthy',
    async setup() {
      other = await bed.startWorker(['arFindingAidJob'], {server: last, prefix: functionPrefix('/srv/other/atom', '')})
    },
    args: sv,
    teardown: async () => other?.stop(),
  },
  {
    name: '--db with its profile (same database, spelt otherwise)',
    setup: async () => writeFile(join(bed.dir, 'p.yml'), `profiles:\n  site:\n    atom_root: ${bed.root}\n`),
    args: [
      ...sv,
      '--profile',
      'site',
      '--db',
      `mysql://${bed.db.target.user}:${encodeURIComponent(bed.db.target.password)}@localhost:${bed.db.target.port}/${bed.db.target.database}`,
    ],
    env: {ATOM_OPS_CONFIG: join(bed.dir, 'p.yml')},
    teardown: nothing,
  },
  {
    name: 'a queued job cancelled behind a 2 h old row (zombie)',
    async setup() {
      zombie = await insertJob(bed.database, {
        name: 'arRepositoryCsvExportJob',
        status: 'running',
        createdAt: new Date(Date.now() - 2 * 3_600_000),
      })
      await submitBackgroundJob(first, bed.fn('arRepositoryCsvExportJob'), JSON.stringify({id: zombie}))
      const admin = new GearmanAdmin(first, 2000)
      for (const j of await admin.showJobs()) await admin.cancelJob(j.handle)
    },
    args: sv,
    async teardown() {
      await bed.database.execute('DELETE FROM object WHERE id = ?', [zombie])
    },
  },
]

function hogs(n: number): ChildProcess[] {
  return Array.from({length: n}, () => spawn('sh', ['-c', 'while :; do :; done'], {stdio: 'ignore'}))
}

try {
  console.log(
    `doctor per scenario: idle, then with ${hogCount} CPU hogs on a ${(await import('node:os')).cpus().length}-core machine (process start included)`,
  )
  console.log('| scenario | idle: verdict, cause, time | loaded: verdict, cause, time | same verdict |')
  console.log('|---|---|---|---|')
  for (const s of scenarios) {
    await s.setup()
    const idle = doctor(s.args, s.env)
    const running = hogs(hogCount)
    let loaded
    try {
      loaded = doctor(s.args, s.env)
    } finally {
      for (const h of running) h.kill('SIGKILL')
    }

    await s.teardown()
    const same = idle.status === loaded.status && idle.cause === loaded.cause
    console.log(
      `| ${s.name} | ${idle.status.toUpperCase()}, ${idle.cause}, ${idle.ms.toFixed(0)} ms | ${loaded.status.toUpperCase()}, ${loaded.cause}, ${loaded.ms.toFixed(0)} ms | ${same ? 'yes' : 'NO'} |`,
    )
  }
} finally {
  await stray.stop()
  await sup.stop()
  await bed.stop()
}

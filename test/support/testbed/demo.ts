/**
 * The demo's sandbox. `tsx test/support/testbed/demo.ts up DIR` starts an AtoM-like environment that outlives
 * this process (two gearmand, a MariaDB database with AtoM's job tables, memcached, workers under a real
 * supervisord, jobs in every state including a zombie) and writes DIR/env for the CLI; `down DIR` stops
 * everything it started, by PID, and drops the database. `break DIR` stops the workers and starts one
 * under a wrong prefix (as from a symlinked root) for doctor to find; `repair DIR` undoes that.
 * `fatal DIR` makes the worker fail its starts until supervisord gives up on it (FATAL), then lets the
 * cause go, for the guard to find; `history DIR` adds 45 days of finished jobs for jobs stats.
 */
import {existsSync} from 'node:fs'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {functionPrefix} from '../../../src/lib/atom/prefix.js'
import {startMemcached} from './memcached.js'
import {stopProcess} from './processes.js'
import {STOCK_REGISTERED_CLASSES} from './schema.js'
import {downloadPathFor, insertDescription, insertJob, insertUser, type JobSeed} from './seed.js'
import {gatedCommand, gearmanWorkerCommand, startSupervisord} from './supervisord.js'
import {TestBed, type TestBedState} from './testbed.js'
import {startWorker, submitBackgroundJob} from './workers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const HANGING = 'arInformationObjectXmlExportJob'
/** While this file exists in the sandbox the worker exits at once (`fatal`): a cause outside it, as MySQL down at boot. */
const GATE = 'worker-gate-closed'

interface DemoState extends TestBedState {
  supervisorConfig: string
  root: string
  server: {host: string; port: number}
  /** The worker `break` started under a wrong prefix, stopped by `repair`. */
  brokenWorkerPid?: number
}

async function up(dir: string): Promise<void> {
  const stateFile = join(dir, 'state.json')
  if (existsSync(stateFile)) throw new Error(`a sandbox is already running in ${dir}; run the demo again to stop it`)
  await mkdir(dir, {recursive: true})
  const memcached = await startMemcached({detached: true, logFile: join(dir, 'memcached.log')})
  let bed: TestBed
  try {
    bed = await TestBed.start({
      dir,
      gearmandCount: 2,
      detached: true,
      cacheEngine: 'sfMemcacheCache',
      memcached: {host: memcached.host, port: memcached.port},
    })
  } catch (error) {
    await memcached.stop()
    throw error
  }

  const server = bed.servers[bed.servers.length - 1]
  const extraPids = [memcached.pid]
  const save = (more: Partial<DemoState> = {}) =>
    writeFile(
      stateFile,
      JSON.stringify({...bed.state(extraPids), supervisorConfig: '', root: bed.root, server, ...more}, null, 2),
    )
  try {
    // Saved at once: whatever starts from here on is stopped by `down`, even if seeding fails.
    await save()
    // The worker service: a real supervisord running the install's worker (what AtoM's registers, but the hung class).
    const classes = STOCK_REGISTERED_CLASSES
    const supervisor = await startSupervisord(join(dir, 'supervisor'), {
      detached: true,
      programs: [
        {
          name: 'atom-worker',
          command: gatedCommand(
            gearmanWorkerCommand(
              server,
              classes.filter((c) => c !== HANGING).map((c) => bed.fn(c)),
            ),
            join(dir, GATE),
          ),
          startretries: 2,
        },
      ],
    })
    extraPids.unshift(supervisor.pid) // first: supervisord stops its programs before gearmand goes
    await save({supervisorConfig: supervisor.configFile})

    const db = bed.database
    const admin = await insertUser(db, 'admin')
    const archivist = await insertUser(db, 'archivist')
    const fonds = await insertDescription(db, 'Hudson Bay Company fonds', 'hudson-bay-company-fonds')
    const now = Date.now()
    const aid = await insertJob(db, {
      name: 'arFindingAidJob',
      status: 'completed',
      userId: admin,
      objectId: fonds,
      createdAt: new Date(now - 26 * HOUR),
      notes: ['Generating finding aid'],
    })
    await db.execute('UPDATE job SET download_path = ? WHERE id = ?', [downloadPathFor(aid), aid])
    await writeFile(join(bed.realRoot, downloadPathFor(aid)), 'PK demo finding aid')
    await insertJob(db, {
      name: 'arInformationObjectCsvExportJob',
      status: 'completed',
      userId: archivist,
      createdAt: new Date(now - 5 * HOUR),
      notes: ['Export of 120 descriptions, "levels": fonds, series'],
    })
    await insertJob(db, {
      name: 'arFileImportJob',
      status: 'error',
      userId: archivist,
      createdAt: new Date(now - 3 * HOUR),
      errorNote: 'Maximum retries reached (10)',
    })
    await insertJob(db, {
      name: 'arGenerateReportJob',
      status: 'completed',
      userId: null,
      createdAt: new Date(now - 50 * HOUR),
    })
    // A zombie: a move in progress for hours with nothing in Gearman behind it, and a newer move it blocks.
    await insertJob(db, {
      name: 'arObjectMoveJob',
      status: 'running',
      userId: admin,
      objectId: fonds,
      createdAt: new Date(now - 4 * HOUR),
    })
    await insertJob(db, {
      name: 'arObjectMoveJob',
      status: 'running',
      userId: archivist,
      createdAt: new Date(now - 2 * HOUR),
    })

    // An export whose worker hangs on it (running), and one more waiting behind it.
    const hung = await startWorker(server, [bed.fn(HANGING)], {command: ['sleep', '100000'], dir, detached: true})
    extraPids.unshift(hung.pid)
    const running = await insertJob(db, {
      name: HANGING,
      status: 'running',
      userId: admin,
      createdAt: new Date(now - 90 * 60_000),
    })
    await submitBackgroundJob(server, bed.fn(HANGING), JSON.stringify({id: running, name: HANGING}))
    const waiting = await insertJob(db, {
      name: HANGING,
      status: 'running',
      userId: archivist,
      createdAt: new Date(now - 10 * 60_000),
    })
    await submitBackgroundJob(server, bed.fn(HANGING), JSON.stringify({id: waiting, name: HANGING}))
    await save({supervisorConfig: supervisor.configFile})

    // atom-ops' own config: a profile for the sandbox, so worker commands need no flags, and its guard policy.
    const env = bed.env({ATOM_OPS_PROFILE: 'sandbox'})
    const notify = join(dir, 'notify.sh')
    await writeFile(
      notify,
      `#!/bin/sh\n# The guard's notify_exec: the event arrives as JSON on stdin.\ncat >> ${shellQuote(join(dir, 'notifications.log'))}\n`,
      {mode: 0o755},
    )
    const guard = `{fix: [restart-worker, clear-config-cache, fail-zombies], zombie_grace: 1h, retention: {older_than: 40d, keep_backups: 3}, max_restarts_per_hour: 3, notify_exec: ${notify}}`
    await writeFile(
      env.ATOM_OPS_CONFIG!,
      `default: sandbox\nprofiles:\n  sandbox:\n    atom_root: ${bed.root}\n    manager: supervisor\n    supervisor_config: ${supervisor.configFile}\n    unit: atom-worker\n    guard: ${guard}\n`,
    )
    const lines = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(String(v))}`)
    await writeFile(join(dir, 'env'), lines.join('\n') + '\n')
    await bed.database.close()
  } catch (error) {
    await TestBed.stopState(bed.state(extraPids))
    throw error
  }
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

async function readState(dir: string): Promise<DemoState> {
  const stateFile = join(dir, 'state.json')
  if (!existsSync(stateFile)) throw new Error(`no sandbox running in ${dir}`)
  return JSON.parse(await readFile(stateFile, 'utf8')) as DemoState
}

async function down(dir: string): Promise<void> {
  const state = await readState(dir)
  if (state.brokenWorkerPid) await stopProcess(state.brokenWorkerPid)
  await TestBed.stopState(state)
}

/** Stops the supervised worker and starts one that hashed the symlinked root: "No Gearman worker available". */
async function breakSandbox(dir: string): Promise<void> {
  const state = await readState(dir)
  const {spawnSync} = await import('node:child_process')
  spawnSync('supervisorctl', ['-c', state.supervisorConfig, 'stop', 'atom-worker'], {stdio: 'ignore', timeout: 15_000})
  const wrong = functionPrefix(state.root, '')
  const worker = await startWorker(
    state.server,
    ['arFindingAidJob', 'arObjectMoveJob'].map((c) => wrong + c),
    {dir, detached: true},
  )
  await writeFile(join(dir, 'state.json'), JSON.stringify({...state, brokenWorkerPid: worker.pid}, null, 2))
}

async function repair(dir: string): Promise<void> {
  const state = await readState(dir)
  if (state.brokenWorkerPid) await stopProcess(state.brokenWorkerPid)
  await writeFile(join(dir, 'state.json'), JSON.stringify({...state, brokenWorkerPid: undefined}, null, 2))
}

const [command, dirArg] = process.argv.slice(2)
const dir = resolve(dirArg ?? '.atom-ops-demo')
/** The worker fails its starts (the gate) until supervisord gives up on it, FATAL; then the cause goes, the worker stays down. */
async function fatal(dir: string): Promise<void> {
  const state = await readState(dir)
  const {spawnSync} = await import('node:child_process')
  const ctl = (...args: string[]) =>
    spawnSync('supervisorctl', ['-c', state.supervisorConfig, ...args], {encoding: 'utf8', timeout: 30_000})
  await writeFile(join(dir, GATE), '')
  ctl('restart', 'atom-worker')
  const deadline = Date.now() + 30_000
  while (!/\bFATAL\b/.test(ctl('status', 'atom-worker').stdout)) {
    if (Date.now() > deadline) throw new Error('the worker did not go FATAL in 30 s')
    await new Promise((r) => setTimeout(r, 200))
  }

  await rm(join(dir, GATE))
}

/** 45 days of finished jobs, in creation order: a steady mix, and arUpdateEsIoDocumentsJob piling up lately. */
async function history(dir: string): Promise<void> {
  const state = await readState(dir)
  const {Database} = await import('../../../src/lib/db/database.js')
  const {adminTarget} = await import('./mariadb.js')
  const db = await Database.open({...adminTarget(), database: state.database}, 10_000)
  try {
    const now = Date.now()
    const seeds: JobSeed[] = []
    const steady: Array<[string, number, number]> = [
      ['arFindingAidJob', 2, 40],
      ['arInformationObjectCsvExportJob', 1, 90],
      ['arFileImportJob', 1, 600],
      ['arGenerateReportJob', 1, 15],
    ]
    for (let day = 45; day >= 1; day--) {
      for (const [name, perDay, seconds] of steady) {
        for (let i = 0; i < perDay; i++) {
          const created = new Date(now - day * DAY + (i * 7 + name.length) * 60_000)
          const failed = (day + i + name.length) % 9 === 0
          seeds.push({
            name,
            status: failed ? 'error' : 'completed',
            createdAt: created,
            completedAt: new Date(created.getTime() + seconds * (1 + ((day * 7 + i) % 5)) * 1000),
            errorNote: failed ? 'demo: failed' : undefined,
          })
        }
      }

      // A search index update per edited description, more each week.
      const updates = Math.floor((46 - day) / 8) + (day < 10 ? 6 : 0)
      for (let i = 0; i < updates; i++) {
        const created = new Date(now - day * DAY + (300 + i * 3) * 60_000)
        seeds.push({
          name: 'arUpdateEsIoDocumentsJob',
          status: 'completed',
          createdAt: created,
          completedAt: new Date(created.getTime() + (2 + (i % 4)) * 1000),
        })
      }
    }

    seeds.sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime())
    for (const seed of seeds) await insertJob(db, seed)
  } finally {
    await db.close()
  }
}

const commands: Record<string, (dir: string) => Promise<void>> = {up, down, break: breakSandbox, repair, fatal, history}
try {
  const run = commands[command]
  if (run) {
    await run(dir)
  } else {
    console.error('usage: demo.js up|down|break|repair|fatal|history DIR')
    process.exitCode = 2
  }
} catch (error) {
  console.error(`demo: ${(error as Error).message}`)
  process.exitCode = 1
}

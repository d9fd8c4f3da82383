/**
 * The demo's sandbox. `node dist/testbed/demo.js up DIR` starts an AtoM-like environment that outlives
 * this process (two gearmand, a MariaDB database with AtoM's job tables, memcached, workers under a real
 * supervisord, jobs in every state including a zombie) and writes DIR/env for the CLI; `down DIR` stops
 * everything it started, by PID, and drops the database. `break DIR` stops the workers and starts one
 * under a wrong prefix (as from a symlinked root) for doctor to find; `repair DIR` undoes that.
 */
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {functionPrefix} from '../lib/atom/prefix.js'
import {startMemcached} from './memcached.js'
import {stopProcess} from './processes.js'
import {STOCK_REGISTERED_CLASSES} from './schema.js'
import {downloadPathFor, insertDescription, insertJob, insertUser} from './seed.js'
import {gearmanWorkerCommand, startSupervisord} from './supervisord.js'
import {TestBed, type TestBedState} from './testbed.js'
import {startWorker, submitBackgroundJob} from './workers.js'

const HOUR = 3600_000
const HANGING = 'arInformationObjectXmlExportJob'

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
    bed = await TestBed.start({dir, gearmandCount: 2, detached: true, cacheEngine: 'sfMemcacheCache', memcached: {host: memcached.host, port: memcached.port}})
  } catch (error) {
    await memcached.stop()
    throw error
  }
  const server = bed.servers[bed.servers.length - 1]
  const extraPids = [memcached.pid]
  const save = (more: Partial<DemoState> = {}) =>
    writeFile(stateFile, JSON.stringify({...bed.state(extraPids), supervisorConfig: '', root: bed.root, server, ...more}, null, 2))
  try {
    // Saved at once: whatever starts from here on is stopped by `down`, even if seeding fails.
    await save()
    // The worker service: a real supervisord running the install's worker (what AtoM's registers, but the hung class).
    const classes = STOCK_REGISTERED_CLASSES
    const supervisor = await startSupervisord(join(dir, 'supervisor'), {
      detached: true,
      programs: [{name: 'atom-worker', command: gearmanWorkerCommand(server, classes.filter((c) => c !== HANGING).map((c) => bed.fn(c)))}],
    })
    extraPids.unshift(supervisor.pid) // first: supervisord stops its programs before gearmand goes
    await save({supervisorConfig: supervisor.configFile})

    const db = bed.database
    const admin = await insertUser(db, 'admin')
    const archivist = await insertUser(db, 'archivist')
    const fonds = await insertDescription(db, 'Hudson Bay Company fonds', 'hudson-bay-company-fonds')
    const now = Date.now()
    const aid = await insertJob(db, {name: 'arFindingAidJob', status: 'completed', userId: admin, objectId: fonds, createdAt: new Date(now - 26 * HOUR), notes: ['Generating finding aid']})
    await db.execute('UPDATE job SET download_path = ? WHERE id = ?', [downloadPathFor(aid), aid])
    await writeFile(join(bed.realRoot, downloadPathFor(aid)), 'PK demo finding aid')
    await insertJob(db, {name: 'arInformationObjectCsvExportJob', status: 'completed', userId: archivist, createdAt: new Date(now - 5 * HOUR), notes: ['Export of 120 descriptions, "levels": fonds, series']})
    await insertJob(db, {name: 'arFileImportJob', status: 'error', userId: archivist, createdAt: new Date(now - 3 * HOUR), errorNote: 'Maximum retries reached (10)'})
    await insertJob(db, {name: 'arGenerateReportJob', status: 'completed', userId: null, createdAt: new Date(now - 50 * HOUR)})
    // A zombie: a move in progress for hours with nothing in Gearman behind it, and a newer move it blocks.
    await insertJob(db, {name: 'arObjectMoveJob', status: 'running', userId: admin, objectId: fonds, createdAt: new Date(now - 4 * HOUR)})
    await insertJob(db, {name: 'arObjectMoveJob', status: 'running', userId: archivist, createdAt: new Date(now - 2 * HOUR)})

    // An export whose worker hangs on it (running), and one more waiting behind it.
    const hung = await startWorker(server, [bed.fn(HANGING)], {command: ['sleep', '100000'], dir, detached: true})
    extraPids.unshift(hung.pid)
    const running = await insertJob(db, {name: HANGING, status: 'running', userId: admin, createdAt: new Date(now - 90 * 60_000)})
    await submitBackgroundJob(server, bed.fn(HANGING), JSON.stringify({id: running, name: HANGING}))
    const waiting = await insertJob(db, {name: HANGING, status: 'running', userId: archivist, createdAt: new Date(now - 10 * 60_000)})
    await submitBackgroundJob(server, bed.fn(HANGING), JSON.stringify({id: waiting, name: HANGING}))
    await save({supervisorConfig: supervisor.configFile})

    // atom-ops' own config: a profile for the sandbox, so worker commands need no flags.
    const env = bed.env({ATOM_OPS_PROFILE: 'sandbox'})
    await writeFile(
      env.ATOM_OPS_CONFIG!,
      `default: sandbox\nprofiles:\n  sandbox:\n    atom_root: ${bed.root}\n    manager: supervisor\n    supervisor_config: ${supervisor.configFile}\n    unit: atom-worker\n`,
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
  return `'${s.replace(/'/g, `'\\''`)}'`
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
  const worker = await startWorker(state.server, ['arFindingAidJob', 'arObjectMoveJob'].map((c) => wrong + c), {dir, detached: true})
  await writeFile(join(dir, 'state.json'), JSON.stringify({...state, brokenWorkerPid: worker.pid}, null, 2))
}

async function repair(dir: string): Promise<void> {
  const state = await readState(dir)
  if (state.brokenWorkerPid) await stopProcess(state.brokenWorkerPid)
  await writeFile(join(dir, 'state.json'), JSON.stringify({...state, brokenWorkerPid: undefined}, null, 2))
}

const [command, dirArg] = process.argv.slice(2)
const dir = resolve(dirArg ?? '.atom-ops-demo')
const commands: Record<string, (dir: string) => Promise<void>> = {up, down, break: breakSandbox, repair}
try {
  const run = commands[command]
  if (!run) {
    console.error('usage: demo.js up|down|break|repair DIR')
    process.exitCode = 2
  } else {
    await run(dir)
  }
} catch (error) {
  console.error(`demo: ${(error as Error).message}`)
  process.exitCode = 1
}

/**
 * The demo's sandbox: `node dist/testbed/demo.js up DIR` starts an AtoM-like environment that
 * outlives this process (gearmand, a MariaDB database, workers, jobs in every state) and writes
 * DIR/env for the CLI; `down DIR` stops everything it started, by PID, and drops the database.
 */
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {downloadPathFor, insertDescription, insertJob, insertUser} from './seed.js'
import {TestBed, type TestBedState} from './testbed.js'
import {submitBackgroundJob} from './workers.js'

const HOUR = 3600_000

async function up(dir: string): Promise<void> {
  const stateFile = join(dir, 'state.json')
  if (existsSync(stateFile)) throw new Error(`a sandbox is already running in ${dir}; run the demo again to stop it`)
  await mkdir(dir, {recursive: true})
  const bed = await TestBed.start({dir, gearmandCount: 2, detached: true})
  try {
    // Save early: whatever starts from here on is stopped by `down`, even if seeding fails.
    await writeFile(stateFile, JSON.stringify(bed.state(), null, 2))
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
    // A zombie: in progress for hours, nothing in Gearman behind it; and a newer move it blocks.
    await insertJob(db, {name: 'arObjectMoveJob', status: 'running', userId: admin, objectId: fonds, createdAt: new Date(now - 4 * HOUR)})
    await insertJob(db, {name: 'arObjectMoveJob', status: 'running', userId: archivist, createdAt: new Date(now - 2 * HOUR)})

    // Workers on the server AtoM asks (the last): one for most job classes, one that hangs on its job.
    const all = Object.values((await import('./schema.js')).STOCK_WORKER_TYPES).flat()
    const hanging = 'arInformationObjectXmlExportJob'
    await bed.startWorker(all.filter((c) => c !== hanging && c !== 'qtSwordPluginWorker'))
    await bed.startWorker([hanging], {command: ['sleep', '100000']})
    const running = await insertJob(db, {name: hanging, status: 'running', userId: admin, createdAt: new Date(now - 90 * 60_000)})
    const server = bed.servers[bed.servers.length - 1]
    await submitBackgroundJob(server, bed.fn(hanging), JSON.stringify({id: running, name: hanging}))
    // A second export waits behind it.
    const waiting = await insertJob(db, {name: hanging, status: 'running', userId: archivist, createdAt: new Date(now - 10 * 60_000)})
    await submitBackgroundJob(server, bed.fn(hanging), JSON.stringify({id: waiting, name: hanging}))

    await writeFile(stateFile, JSON.stringify(bed.state(), null, 2))
    const env = bed.env()
    const lines = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(String(v))}`)
    await writeFile(join(dir, 'env'), lines.join('\n') + '\n')
    await bed.database.close()
  } catch (error) {
    await TestBed.stopState(bed.state())
    throw error
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

async function down(dir: string): Promise<void> {
  const stateFile = join(dir, 'state.json')
  if (!existsSync(stateFile)) {
    console.error(`no sandbox running in ${dir}`)
    return
  }
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as TestBedState
  await TestBed.stopState(state)
}

const [command, dirArg] = process.argv.slice(2)
const dir = resolve(dirArg ?? '.atom-ops-demo')
try {
  if (command === 'up') await up(dir)
  else if (command === 'down') await down(dir)
  else {
    console.error('usage: demo.js up|down DIR')
    process.exitCode = 2
  }
} catch (error) {
  console.error(`demo: ${(error as Error).message}`)
  process.exitCode = 1
}

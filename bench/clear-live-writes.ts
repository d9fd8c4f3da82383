/**
 * Issue 13.1's attack, repeatable: `jobs clear --force` while a writer behaves like AtoM (a new job every
 * 50 ms; ten in-progress jobs completed per tick, statement by statement: status and output, then a
 * note). After each clear its backup is restored with the same CLI, and every change the writer
 * committed is looked for: a change in neither the database nor the backup is lost.
 * Run: npm run build && npx tsx bench/clear-live-writes.ts [bin/run.js of another build ...]
 * (default: this build only; TRIES=5 runs per build, JOBS=100000 jobs each, half completed, half in progress).
 */
import {spawn} from 'node:child_process'
import {join} from 'node:path'

import {seedMany} from '../test/commands/jobs/helpers.js'
import {lostWrites, startLiveWriter} from '../test/support/testbed/live-writer.js'
import {TERM} from '../test/support/testbed/schema.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI} from './lib.js'

const bins = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [CLI]
const TRIES = Number(process.env.TRIES ?? 5)
const JOBS = Number(process.env.JOBS ?? 100_000)
const bed = await TestBed.start()
const env = {...process.env, ...bed.env()}

/** Asynchronously: the writer runs in this process and must keep writing while the CLI works. */
function run(bin: string, args: string[]): Promise<{code: number | null; stderr: string}> {
  const child = spawn(process.execPath, [bin, ...args], {env, stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({code, stderr})))
}

try {
  for (const bin of bins) {
    for (let i = 1; i <= TRIES; i++) {
      await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
      await seedMany(bed.database, JOBS / 2, {statusId: TERM.jobCompleted})
      const running = await seedMany(bed.database, JOBS / 2, {statusId: TERM.jobInProgress})
      const writer = startLiveWriter(
        bed.database,
        Array.from({length: JOBS / 2}, (_, k) => running.first + k),
        {everyMs: 50, perTick: 10},
      )
      await new Promise((r) => setTimeout(r, 200))
      const file = join(bed.dir, `live-${bins.indexOf(bin)}-${i}.ndjson${bin === CLI ? '.gz' : ''}`)
      const clear = await run(bin, ['jobs', 'clear', '--force', '--backup', file])
      const writes = await writer.stop()
      if (clear.code !== 0) throw new Error(`clear exited ${clear.code}: ${clear.stderr}`)
      const restore = await run(bin, ['jobs', 'restore', file])
      const lost = await lostWrites(bed.database, writes)
      console.log(
        `${bin}  try ${i}: writer committed ${writes.created.length} new jobs, ${writes.completed.length} completions, ${writes.notes.length} notes (${writes.refused.length} refused on deleted jobs, ${writes.failedCreates} creations cut short); restore exit ${restore.code}; lost: ${lost.completed} completions, ${lost.notes} notes, ${lost.created} jobs`,
      )
    }
  }
} finally {
  await bed.stop()
}

import type {Database} from '../../../src/lib/db/database.js'

import {TERM} from './schema.js'
import {insertJob, insertNote, sqlTime} from './seed.js'

/** What a writer behaving like AtoM committed while it ran: every change must survive a clear (in the database or its backup). */
export interface LiveWrites {
  /** Jobs it created. */
  created: number[]
  /** In-progress jobs it completed: status, output and completed_at committed. */
  completed: Array<{id: number; output: string}>
  /** Notes it added to jobs (committed). */
  notes: Array<{id: number; content: string}>
  /** Jobs whose change AtoM's statement could not make (the row was gone, or it lost a deadlock to the clear deleting it). */
  refused: number[]
  /** New jobs whose creation failed part way (deleted by the clear between AtoM's statements). */
  failedCreates: number
}

/**
 * AtoM's web app and worker at work: every `everyMs` a new job, and `perTick` in-progress jobs completed
 * the way QubitJob does it, statement by statement in autocommit (job row, then a note, then its
 * translation), so a clear running meanwhile meets rows that change under it.
 */
export function startLiveWriter(
  db: Database,
  inProgress: number[],
  options: {everyMs?: number; perTick?: number} = {},
): {stop: () => Promise<LiveWrites>} {
  const writes: LiveWrites = {created: [], completed: [], notes: [], refused: [], failedCreates: 0}
  const todo = [...inProgress]
  let running = true
  const loop = (async () => {
    for (let tick = 0; running; tick++) {
      // A job created while the clear plans may be in its selection: its note then fails on the foreign key.
      await insertJob(db, {name: 'arFindingAidJob', status: 'running', notes: [`queued ${tick}`]}).then(
        (id) => writes.created.push(id),
        () => writes.failedCreates++,
      )
      for (let i = 0; i < (options.perTick ?? 3) && todo.length > 0; i++) {
        const id = todo.splice(Math.floor(Math.random() * todo.length), 1)[0]
        const output = `finished at tick ${tick}`
        const updated = await db
          .execute('UPDATE job SET status_id = ?, output = ?, completed_at = ? WHERE id = ? AND status_id = ?', [
            TERM.jobCompleted,
            output,
            sqlTime(new Date()),
            id,
            TERM.jobInProgress,
          ])
          .catch(() => undefined)
        if (updated?.affectedRows !== 1) {
          writes.refused.push(id)
          continue
        }

        writes.completed.push({id, output})
        const content = `Job ${id} completed (tick ${tick})`
        try {
          await insertNote(db, id, TERM.generalNote, content, null)
          writes.notes.push({id, content})
        } catch {
          // The job was being deleted: AtoM's insert fails on the foreign key or loses the deadlock.
          writes.refused.push(id)
        }
      }

      await new Promise((r) => setTimeout(r, options.everyMs ?? 50))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return writes
    },
  }
}

/** The committed writes missing from the database now (after the clear's backup was restored). */
export async function lostWrites(
  db: Database,
  writes: LiveWrites,
): Promise<{created: number; completed: number; notes: number}> {
  const present = async (sql: string, ids: number[]) => {
    if (ids.length === 0) return new Set<string>()
    const rows = await db.rows<{k: string}>(sql.replace('(?)', `(${ids.map(() => '?').join(',')})`), ids)
    return new Set(rows.map((r) => String(r.k)))
  }

  const created = await present('SELECT id AS k FROM job WHERE id IN (?)', writes.created)
  const completed = await present(
    "SELECT CONCAT(id, '|', status_id, '|', output) AS k FROM job WHERE id IN (?)",
    writes.completed.map((c) => c.id),
  )
  const notes = await present(
    "SELECT CONCAT(n.object_id, '|', i.content) AS k FROM note n JOIN note_i18n i ON i.id = n.id WHERE n.object_id IN (?)",
    writes.notes.map((n) => n.id),
  )
  return {
    created: writes.created.filter((id) => !created.has(String(id))).length,
    completed: writes.completed.filter((c) => !completed.has(`${c.id}|${TERM.jobCompleted}|${c.output}`)).length,
    notes: writes.notes.filter((n) => !notes.has(`${n.id}|${n.content}`)).length,
  }
}

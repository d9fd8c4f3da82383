import type {Queryable} from '../../../src/lib/db/database.js'
import type {DatabaseTarget} from '../../../src/lib/db/target.js'

/** Row counts of every table a job lives in, and the orphans a wrong delete would leave. */
export async function tableCounts(db: Queryable): Promise<Record<string, number>> {
  const q = async (sql: string) => Number((await db.rows<{n: number}>(sql))[0].n)
  return {
    jobObjects: await q("SELECT COUNT(*) AS n FROM object WHERE class_name = 'QubitJob'"),
    jobs: await q('SELECT COUNT(*) AS n FROM job'),
    notes: await q('SELECT COUNT(*) AS n FROM note'),
    noteI18n: await q('SELECT COUNT(*) AS n FROM note_i18n'),
    properties: await q('SELECT COUNT(*) AS n FROM property'),
    propertyI18n: await q('SELECT COUNT(*) AS n FROM property_i18n'),
    orphanJobObjects: await q(
      "SELECT COUNT(*) AS n FROM object o LEFT JOIN job j ON j.id = o.id WHERE o.class_name = 'QubitJob' AND j.id IS NULL",
    ),
    orphanNotes: await q(
      'SELECT COUNT(*) AS n FROM note n LEFT JOIN object o ON o.id = n.object_id WHERE o.id IS NULL',
    ),
    orphanNoteI18n: await q('SELECT COUNT(*) AS n FROM note_i18n x LEFT JOIN note n ON n.id = x.id WHERE n.id IS NULL'),
    orphanProperties: await q(
      'SELECT COUNT(*) AS n FROM property p LEFT JOIN object o ON o.id = p.object_id WHERE o.id IS NULL',
    ),
    orphanPropertyI18n: await q(
      'SELECT COUNT(*) AS n FROM property_i18n x LEFT JOIN property p ON p.id = x.id WHERE p.id IS NULL',
    ),
  }
}

export function assertNoOrphans(counts: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) {
    if (k.startsWith('orphan') && v !== 0) throw new Error(`${k} = ${v}`)
  }
}

/** Every row of the job tables, in a stable order, for row-for-row comparison. */
export async function dumpJobTables(db: Queryable): Promise<Record<string, unknown[]>> {
  return {
    object: await db.rows("SELECT * FROM object WHERE class_name = 'QubitJob' ORDER BY id"),
    job: await db.rows('SELECT * FROM job ORDER BY id'),
    note: await db.rows('SELECT * FROM note ORDER BY id'),
    note_i18n: await db.rows('SELECT * FROM note_i18n ORDER BY id, culture'),
    property: await db.rows('SELECT * FROM property ORDER BY id'),
    property_i18n: await db.rows('SELECT * FROM property_i18n ORDER BY id, culture'),
  }
}

/**
 * Many jobs fast, set-based: object rows by INSERT ... SELECT over a sequence, then job rows and one
 * note (with its translation) per job. Returns the first and last id.
 */
export async function seedMany(
  db: Queryable,
  count: number,
  options: {name?: string; statusId?: number; createdAt?: string} = {},
): Promise<{first: number; last: number}> {
  const created = options.createdAt ?? '2024-01-01 00:00:00'
  const [{mx}] = await db.rows<{mx: number | null}>('SELECT MAX(id) AS mx FROM object')
  const start = Number(mx ?? 0) + 1
  // MariaDB's seq engine gives the sequence; chunks of 50,000 keep each statement well inside the timeout.
  const last = start + count - 1
  for (let done = 0; done < count; done += 50_000) {
    const n = Math.min(50_000, count - done)
    const lo = start + done
    const hi = lo + n - 1
    await db.execute(
      `INSERT INTO object (id, class_name, created_at, updated_at, serial_number)
         SELECT ? + seq, 'QubitJob', ?, ?, 0 FROM seq_0_to_${n - 1}`,
      [lo, created, created],
    )
    await db.execute(
      `INSERT INTO job (id, name, download_path, completed_at, user_id, object_id, status_id, output)
         SELECT id, ?, NULL, created_at, NULL, NULL, ?, NULL FROM object WHERE id BETWEEN ? AND ?`,
      [options.name ?? 'arGenerateReportJob', options.statusId ?? 184, lo, hi],
    )
    await db.execute(
      `INSERT INTO note (object_id, type_id, user_id, source_culture, serial_number) SELECT id, 125, NULL, 'en', 0 FROM object WHERE id BETWEEN ? AND ?`,
      [lo, hi],
    )
    await db.execute(
      `INSERT INTO note_i18n (id, culture, content) SELECT n.id, 'en', CONCAT('Report ', n.object_id) FROM note n WHERE n.object_id BETWEEN ? AND ?`,
      [lo, hi],
    )
  }

  return {first: start, last}
}

/** A backup's lines (format 2 files are gzip; format 1 plain), for looking inside one. */
export async function backupLines(file: string): Promise<string[]> {
  const {readFile} = await import('node:fs/promises')
  const {gunzipSync} = await import('node:zlib')
  const raw = await readFile(file)
  const {constants} = await import('node:zlib')
  // A run killed mid-write may leave the last member cut short: read what is whole.
  const text =
    raw[0] === 0x1f && raw[1] === 0x8b
      ? gunzipSync(raw, {finishFlush: constants.Z_SYNC_FLUSH}).toString('utf8')
      : raw.toString('utf8')
  return text.split('\n').filter((l) => {
    try {
      JSON.parse(l)
      return true
    } catch {
      return false
    }
  })
}

/**
 * A transaction, as AtoM's would, holding the row lock of the job at this position (0 = the lowest id)
 * until released: a clear that reaches it waits there, deterministically, whatever the machine's load.
 */
export async function holdJobRowLock(target: DatabaseTarget, position = 0): Promise<{release: () => Promise<void>}> {
  const mysql = (await import('mysql2/promise')).default
  const conn = await mysql.createConnection({
    host: target.socketPath ? undefined : target.host,
    port: target.port,
    socketPath: target.socketPath,
    user: target.user,
    password: target.password,
    database: target.database,
  })
  await conn.query('START TRANSACTION')
  // Found without locking, then locked by its id alone: a locking read with OFFSET would lock every row it skips.
  const [rows] = await conn.query<Array<import('mysql2').RowDataPacket & {id: number}>>(
    'SELECT id FROM job ORDER BY id LIMIT 1 OFFSET ?',
    [position],
  )
  if (rows.length === 0) throw new Error(`no job at position ${position} to lock`)
  await conn.query('SELECT id FROM job WHERE id = ? FOR UPDATE', [rows[0].id])
  return {release: () => conn.end()}
}

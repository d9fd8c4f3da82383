import {createHash} from 'node:crypto'

import type {Queryable} from '../../../src/lib/db/database.js'

import {AtomClock} from '../../../src/lib/atom/clock.js'
import {STOCK_TIMEZONE} from './fixture.js'
import {TERM} from './schema.js'

export type SeedStatus = 'running' | 'completed' | 'error'
const STATUS_ID: Record<SeedStatus, number> = {
  running: TERM.jobInProgress,
  completed: TERM.jobCompleted,
  error: TERM.jobError,
}

export interface JobSeed {
  name: string
  status: SeedStatus
  userId?: number | null
  createdAt?: Date
  completedAt?: Date | null
  /** Description notes (general note type), as the web app adds them. */
  notes?: string[]
  /** An error note (type 197), as the worker adds on failure. */
  errorNote?: string
  properties?: Record<string, string>
  downloadPath?: string | null
  output?: string | null
  objectId?: number | null
}

/** The zone seeded rows are written in unless told otherwise: the stock settings.yml's. */
export const SEED_ZONE = STOCK_TIMEZONE

const clocks = new Map<string, AtomClock>()
/** A date as AtoM writes it: PHP's wall clock in AtoM's zone, not UTC and not the database's. */
export function sqlTime(date: Date, zone = SEED_ZONE): string {
  let clock = clocks.get(zone)
  if (!clock) clocks.set(zone, (clock = new AtomClock(zone)))
  return clock.wall(date.getTime())
}

async function insertObject(db: Queryable, className: string, at: Date, zone = SEED_ZONE): Promise<number> {
  const result = await db.execute(
    'INSERT INTO object (class_name, created_at, updated_at, serial_number) VALUES (?, ?, ?, 0)',
    [className, sqlTime(at, zone), sqlTime(at, zone)],
  )
  return result.insertId
}

export async function insertUser(db: Queryable, username: string): Promise<number> {
  const id = await insertObject(db, 'QubitUser', new Date())
  await db.execute('INSERT INTO actor (id, source_culture) VALUES (?, ?)', [id, 'en'])
  await db.execute('INSERT INTO actor_i18n (id, culture, authorized_form_of_name) VALUES (?, ?, ?)', [
    id,
    'en',
    username,
  ])
  await db.execute('INSERT INTO user (id, username, email, active) VALUES (?, ?, ?, 1)', [
    id,
    username,
    `${username}@example.org`,
  ])
  return id
}

export async function insertDescription(db: Queryable, title: string, slug: string): Promise<number> {
  const id = await insertObject(db, 'QubitInformationObject', new Date())
  await db.execute('INSERT INTO information_object (id, identifier) VALUES (?, ?)', [id, slug.toUpperCase()])
  await db.execute('INSERT INTO information_object_i18n (id, culture, title) VALUES (?, ?, ?)', [id, 'en', title])
  await db.execute('INSERT INTO slug (object_id, slug) VALUES (?, ?)', [id, slug])
  return id
}

export async function insertNote(
  db: Queryable,
  objectId: number,
  typeId: number,
  content: string,
  userId: number | null,
): Promise<void> {
  const result = await db.execute(
    'INSERT INTO note (object_id, type_id, user_id, source_culture, serial_number) VALUES (?, ?, ?, ?, 0)',
    [objectId, typeId, userId, 'en'],
  )
  await db.execute('INSERT INTO note_i18n (id, culture, content) VALUES (?, ?, ?)', [result.insertId, 'en', content])
}

/** A job as AtoM writes it: object row, job row, then notes and properties hanging off the object; times on AtoM's clock in `zone`. */
export async function insertJob(db: Queryable, seed: JobSeed, zone = SEED_ZONE): Promise<number> {
  const created = seed.createdAt ?? new Date()
  const id = await insertObject(db, 'QubitJob', created, zone)
  const completed =
    seed.completedAt === undefined
      ? seed.status === 'running'
        ? null
        : new Date(created.getTime() + 5000)
      : seed.completedAt
  await db.execute(
    'INSERT INTO job (id, name, download_path, completed_at, user_id, object_id, status_id, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [
      id,
      seed.name,
      seed.downloadPath === undefined ? null : seed.downloadPath,
      completed ? sqlTime(completed, zone) : null,
      seed.userId ?? null,
      seed.objectId ?? null,
      STATUS_ID[seed.status],
      seed.output ?? null,
    ],
  )
  for (const note of seed.notes ?? []) await insertNote(db, id, TERM.generalNote, note, seed.userId ?? null)
  if (seed.errorNote) await insertNote(db, id, TERM.jobErrorNote, seed.errorNote, null)
  for (const [name, value] of Object.entries(seed.properties ?? {})) {
    const result = await db.execute(
      'INSERT INTO property (object_id, name, source_culture, serial_number) VALUES (?, ?, ?, 0)',
      [id, name, 'en'],
    )
    await db.execute('INSERT INTO property_i18n (id, culture, value) VALUES (?, ?, ?)', [result.insertId, 'en', value])
  }

  return id
}

/** AtoM's export path for a job: downloads/jobs/<md5 of id>.zip (relative to the root). */
export function downloadPathFor(id: number): string {
  return `downloads/jobs/${createHash('md5').update(String(id)).digest('hex')}.zip`
}

import type {AtomOpsError} from '../../errors.js'
import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {TERM_IDS} from '../../jobs/terms.js'

const REQUIRED_TABLES = ['object', 'job', 'note', 'note_i18n', 'property', 'property_i18n', 'term']

/** The database answers and looks like AtoM's: its job tables and the job status terms 183-185. */
export async function checkDatabase(ctx: DoctorEvidence): Promise<CheckResult> {
  const base = {id: 'database', title: 'Database', rank: 8}
  try {
    await ctx.config.database.get()
  } catch (error) {
    // A monitoring user may not read config.php: the database is then not known to be down, just not looked at.
    const e = error as AtomOpsError
    return {
      ...base,
      status: 'unknown',
      rank: 94,
      summary: `cannot check the database: ${e.message}`,
      evidence: e.hint ? [e.hint] : [],
      fix: 'Run doctor as a user that can read config/config.php, or give --db (or ATOM_OPS_DB) with read-only credentials.',
    }
  }

  let db
  try {
    db = await ctx.database()
  } catch (error) {
    return {
      ...base,
      status: 'critical',
      summary: (error as Error).message,
      evidence: [],
      fix: 'systemctl status mariadb   # then check the DSN, user and password in config/config.php',
    }
  }

  const tables = await db.rows<{name: string}>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
  )
  const present = new Set(tables.map((t) => t.name.toLowerCase()))
  const missing = REQUIRED_TABLES.filter((t) => !present.has(t))
  if (missing.length > 0) {
    return {
      ...base,
      status: 'critical',
      summary: `not an AtoM database: no table ${missing.join(', ')}`,
      evidence: [`database ${db.target.database}`],
      fix: 'Check dbname in config/config.php (or --db).',
    }
  }

  const ids = [TERM_IDS.inProgress, TERM_IDS.completed, TERM_IDS.error]
  const terms = await db.rows<{id: number}>('SELECT id FROM term WHERE id IN (?, ?, ?)', ids)
  const found = new Set(terms.map((t) => Number(t.id)))
  const absent = ids.filter((id) => !found.has(id))
  if (absent.length > 0) {
    return {
      ...base,
      status: 'critical',
      summary: `job status terms missing: ${absent.join(', ')}`,
      evidence: ['AtoM marks jobs with terms 183 (in progress), 184 (completed), 185 (error)'],
      fix: 'php symfony tools:upgrade-sql   # or restore the term table from a backup',
    }
  }

  return {
    ...base,
    status: 'ok',
    summary: `AtoM tables and job status terms present in ${db.target.database}`,
    evidence: [],
  }
}

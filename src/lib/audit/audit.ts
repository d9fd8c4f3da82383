import {constants} from 'node:fs'
import {access, appendFile, mkdir} from 'node:fs/promises'
import {hostname} from 'node:os'
import {dirname, join} from 'node:path'

import {stateDirectory} from '../settings/paths.js'
import {operatorName} from '../util/operator.js'
import {scrub} from '../util/secrets.js'

export const SYSTEM_AUDIT_LOG = '/var/log/atom-ops/audit.log'

export interface AuditRecord {
  time: string
  operator: string
  host: string
  command: string
  argv: string[]
  outcome: 'done' | 'partial' | 'failed' | 'dry-run' | 'declined' | 'refused'
  [detail: string]: unknown
}

/** ATOM_OPS_AUDIT_LOG, else /var/log/atom-ops/audit.log when it can be written, else the state directory. */
export async function auditLogPath(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.ATOM_OPS_AUDIT_LOG) return env.ATOM_OPS_AUDIT_LOG
  const systemDir = dirname(SYSTEM_AUDIT_LOG)
  try {
    await mkdir(systemDir, {recursive: true})
    await access(systemDir, constants.W_OK)
    return SYSTEM_AUDIT_LOG
  } catch {
    return join(stateDirectory(env), 'audit.log')
  }
}

/** Appends one JSON line; secrets are scrubbed. Returns the log's path. */
export async function writeAudit(
  command: string,
  outcome: AuditRecord['outcome'],
  details: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const path = await auditLogPath(env)
  const record: AuditRecord = {
    time: new Date().toISOString(),
    operator: operatorName(env),
    host: hostname(),
    command,
    argv: process.argv.slice(2),
    outcome,
    ...details,
  }
  await mkdir(dirname(path), {recursive: true})
  await appendFile(path, scrub(JSON.stringify(record)) + '\n', {mode: 0o640})
  return path
}

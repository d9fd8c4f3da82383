import type {ServerLine} from '../util/answered.js'

import {requireGearman, requirePrefix, type ResolvedConfig} from '../config/resolve.js'
import {AtomOpsError, ConfigError, ExitCode} from '../errors.js'
import {type PerServer} from '../gearman/admin.js'
import {GearmanProtocolError, GearmanServerError, GearmanUnreachableError} from '../gearman/errors.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'
import {type FunctionDecoder, loadDecoder} from './decode.js'

/** Why a server gave no answer, in a form both the table and --json can show. */
export interface ServerProblem {
  kind: 'refused' | 'timeout' | 'closed' | 'network' | 'server-error' | 'protocol' | 'other'
  message: string
}

/** A queue command's line for one server: host:port, whether it answered, and its problem. */
export type ServerHeader = ServerLine<ServerProblem>

export function describeProblem(error: unknown): ServerProblem {
  if (error instanceof GearmanUnreachableError) return {kind: error.reason, message: error.message}
  if (error instanceof GearmanServerError) return {kind: 'server-error', message: error.message}
  if (error instanceof GearmanProtocolError) return {kind: 'protocol', message: error.message}
  return {kind: 'other', message: error instanceof Error ? error.message : String(error)}
}

export function header<T>(r: PerServer<T>): ServerHeader {
  return r.ok
    ? {server: formatHostPort(r.where), ok: true}
    : {server: formatHostPort(r.where), ok: false, error: describeProblem(r.error)}
}

/** Exit code of a read-only queue command: 4 when any server gave no answer, else 0. */
export function readExitCode(headers: ServerHeader[]): number {
  return headers.some((h) => !h.ok) ? ExitCode.unreachable : ExitCode.ok
}

export interface QueueScope {
  servers: HostPort[]
  timeoutMs: number
  decoder: FunctionDecoder
  /** true: every function; false: only the current install's. */
  all: boolean
  /** Profiles whose install could not be read (their functions show as "unknown prefix"). */
  skippedProfiles: string[]
}

/** Servers, timeout and function decoder for a queue command; without --all the install's prefix is required. */
export async function queueScope(cfg: ResolvedConfig, all: boolean): Promise<QueueScope> {
  const servers = requireGearman(cfg)
  if (!all) {
    try {
      requirePrefix(cfg)
    } catch (error) {
      if (!(error instanceof AtomOpsError)) throw error
      throw new ConfigError(
        error.message,
        `${error.hint ?? ''} Or add --all to show every function without telling installs apart.`.trim(),
      )
    }
  }

  const {decoder, skipped} = await loadDecoder(cfg)
  return {servers, timeoutMs: cfg.timeoutMs.value, decoder, all, skippedProfiles: skipped}
}

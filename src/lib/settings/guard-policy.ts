import {isAbsolute} from 'node:path'

import {isRecord} from '../atom/yaml.js'
import {AtomOpsError, ConfigError} from '../errors.js'
import {parseDuration} from '../util/duration.js'

/** The safe fixes a guard policy may allow, by the names the config file uses. */
export const GUARD_FIXES = ['restart-worker', 'clear-config-cache', 'fail-zombies'] as const
export type GuardFix = (typeof GUARD_FIXES)[number]

/**
 * What `guard run` may do unattended, from the profile's `guard:` map (or the file's top-level one).
 * Anything not listed in `fix` is only reported, never applied.
 */
export interface GuardPolicy {
  fix: GuardFix[]
  /** In-progress rows older than this with nothing in Gearman behind them are marked failed (fail-zombies). */
  zombieGraceMs: number
  /** `jobs clear --inactive --older-than` with its backup, then the newest keepBackups backups kept. */
  retention?: {olderThanMs: number; keepBackups?: number; everyMs: number}
  /** Restarts allowed in any hour; past it the guard stops restarting and alerts (once). */
  maxRestartsPerHour: number
  /** A program and its arguments, run with the event as JSON on stdin (never through a shell). */
  notifyExec?: string[]
  /** An http(s) URL the event is POSTed to as JSON. */
  notifyUrl?: string
  /** Addresses mailed through the local sendmail (`sendmail -t`). */
  notifyMail?: string[]
  /** The sendmail program (default: the first of /usr/sbin/sendmail, /usr/lib/sendmail). */
  notifySendmail?: string
  /** How long one notification may take. */
  notifyTimeoutMs: number
  /** Where it came from, for messages. */
  source: string
}

export const DEFAULT_ZOMBIE_GRACE_MS = 6 * 3_600_000
export const DEFAULT_MAX_RESTARTS_PER_HOUR = 3
export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000
/**
 * Retention runs once a day by default, not at every run: each clear writes a backup, and keep_backups
 * would otherwise prune a day's backups within the hour.
 */
export const DEFAULT_RETENTION_EVERY_MS = 86_400_000

/** A policy with nothing allowed: a guard with no `guard:` settings only checks and reports. */
export function defaultPolicy(source: string): GuardPolicy {
  return {
    fix: [],
    zombieGraceMs: DEFAULT_ZOMBIE_GRACE_MS,
    maxRestartsPerHour: DEFAULT_MAX_RESTARTS_PER_HOUR,
    notifyTimeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS,
    source,
  }
}

const EXAMPLE =
  'Example: guard: {fix: [restart-worker, clear-config-cache, fail-zombies], zombie_grace: 6h, retention: {older_than: 90d, keep_backups: 10}, max_restarts_per_hour: 3, notify_url: https://hooks.example.org/atom}'
const KEYS = [
  'fix',
  'zombie_grace',
  'retention',
  'max_restarts_per_hour',
  'notify_exec',
  'notify_url',
  'notify_mail',
  'notify_sendmail',
  'notify_timeout',
] as const
/** An address as sendmail -t reads it from a To: line: no spaces, commas or line breaks to smuggle in another header. */
const MAIL = /^[^\s@,;<>()"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/

/**
 * Validates a `guard:` map; every mistake is a ConfigError naming the file, the profile and the key,
 * with what is allowed. `where` is e.g. `/etc/atom-ops.yml: profile "main" guard`.
 */
export function parsePolicy(raw: unknown, where: string): GuardPolicy {
  if (!isRecord(raw)) throw new ConfigError(`${where} must be a map of settings`, EXAMPLE)
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new ConfigError(`${where} has an unknown setting "${key}"`, `Known settings: ${KEYS.join(', ')}`)
  }

  const policy = defaultPolicy(where)
  if (raw.fix !== undefined && raw.fix !== null) {
    const items = Array.isArray(raw.fix) ? raw.fix : [raw.fix]
    for (const item of items) {
      if (typeof item !== 'string' || !(GUARD_FIXES as readonly string[]).includes(item)) {
        throw new ConfigError(
          `${where} fix: "${String(item)}" is not a fix the guard knows`,
          `Use any of: ${GUARD_FIXES.join(', ')}.`,
        )
      }
    }

    policy.fix = [...new Set(items as GuardFix[])]
  }

  if (raw.zombie_grace !== undefined) policy.zombieGraceMs = duration(raw.zombie_grace, `${where} zombie_grace`)
  if (raw.retention !== undefined && raw.retention !== null) {
    const r = raw.retention
    if (!isRecord(r))
      throw new ConfigError(
        `${where} retention must be a map`,
        'Example: retention: {older_than: 90d, keep_backups: 10}',
      )
    for (const key of Object.keys(r)) {
      if (!['every', 'keep_backups', 'older_than'].includes(key))
        throw new ConfigError(
          `${where} retention has an unknown setting "${key}"`,
          'Known settings: older_than, keep_backups, every',
        )
    }

    if (r.older_than === undefined)
      throw new ConfigError(
        `${where} retention needs older_than`,
        'Example: retention: {older_than: 90d, keep_backups: 10}',
      )
    policy.retention = {
      olderThanMs: duration(r.older_than, `${where} retention.older_than`),
      everyMs: r.every === undefined ? DEFAULT_RETENTION_EVERY_MS : duration(r.every, `${where} retention.every`),
    }
    if (r.keep_backups !== undefined)
      policy.retention.keepBackups = count(r.keep_backups, `${where} retention.keep_backups`, 1)
  }

  if (raw.max_restarts_per_hour !== undefined)
    policy.maxRestartsPerHour = count(raw.max_restarts_per_hour, `${where} max_restarts_per_hour`, 0)
  if (raw.notify_exec !== undefined && raw.notify_exec !== null) {
    const argv = Array.isArray(raw.notify_exec) ? raw.notify_exec : [raw.notify_exec]
    if (argv.length === 0 || !argv.every((a) => typeof a === 'string' && a !== '' && !a.includes('\0'))) {
      throw new ConfigError(
        `${where} notify_exec must be a program path or a list [program, arguments...]`,
        'Example: notify_exec: /usr/local/bin/page-me (it gets the event as JSON on stdin; no shell is involved).',
      )
    }

    if (!isAbsolute(argv[0] as string))
      throw new ConfigError(
        `${where} notify_exec: "${argv[0]}" is not an absolute path`,
        'Give the full path of the program, e.g. /usr/local/bin/page-me: a timer runs with another PATH.',
      )
    policy.notifyExec = argv as string[]
  }

  if (raw.notify_url !== undefined && raw.notify_url !== null)
    policy.notifyUrl = url(raw.notify_url, `${where} notify_url`)
  if (raw.notify_mail !== undefined && raw.notify_mail !== null) {
    const list = Array.isArray(raw.notify_mail) ? raw.notify_mail : [raw.notify_mail]
    for (const a of list) {
      if (typeof a !== 'string' || !MAIL.test(a))
        throw new ConfigError(
          `${where} notify_mail: "${String(a)}" is not a mail address`,
          'Example: notify_mail: ops@example.org (or a list of addresses).',
        )
    }

    if (list.length === 0)
      throw new ConfigError(`${where} notify_mail is an empty list`, 'Give an address, or remove the line.')
    policy.notifyMail = list as string[]
  }

  if (raw.notify_sendmail !== undefined && raw.notify_sendmail !== null) {
    if (typeof raw.notify_sendmail !== 'string' || !isAbsolute(raw.notify_sendmail)) {
      throw new ConfigError(
        `${where} notify_sendmail must be the absolute path of a sendmail program`,
        'Example: notify_sendmail: /usr/sbin/sendmail',
      )
    }

    if (!policy.notifyMail)
      throw new ConfigError(
        `${where} has notify_sendmail but no notify_mail`,
        'Add notify_mail: with the address to mail, or remove notify_sendmail.',
      )
    policy.notifySendmail = raw.notify_sendmail
  }

  if (raw.notify_timeout !== undefined) {
    policy.notifyTimeoutMs = duration(raw.notify_timeout, `${where} notify_timeout`)
    if (policy.notifyTimeoutMs > 300_000)
      throw new ConfigError(
        `${where} notify_timeout is over 5 minutes`,
        'A notification that takes longer holds the next run up: use e.g. notify_timeout: 10s.',
      )
  }

  return policy
}

function duration(value: unknown, where: string): number {
  try {
    return parseDuration(String(value), where)
  } catch (error) {
    throw new ConfigError((error as AtomOpsError).message, 'Use a number and a unit: 30m, 6h, 90d (s, m, h, d, w).')
  }
}

function count(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 100_000) {
    throw new ConfigError(
      `${where} must be a whole number from ${min} to 100000, got ${JSON.stringify(value)}`,
      EXAMPLE,
    )
  }

  return value
}

function url(value: unknown, where: string): string {
  let parsed: URL
  try {
    parsed = new URL(String(value))
  } catch {
    throw new ConfigError(
      `${where}: "${String(value)}" is not a URL`,
      'Example: notify_url: https://hooks.example.org/atom',
    )
  }

  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigError(
      `${where}: only http and https URLs can be POSTed to, got ${parsed.protocol}`,
      'Example: notify_url: https://hooks.example.org/atom',
    )
  return parsed.href
}

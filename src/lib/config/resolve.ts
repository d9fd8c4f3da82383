import {resolve as resolvePath} from 'node:path'

import type {ConfigOrigin} from '../atom/symfony-config.js'

import {checkZone} from '../atom/clock.js'
import {
  type AtomInstall,
  DEFAULT_ATOM_ROOT,
  DEFAULT_GEARMAN_PORT,
  type GearmanServer,
  readAtomInstall,
  readDatabaseSettings,
  targetFromAtom,
} from '../atom/install.js'
import {functionPrefix} from '../atom/prefix.js'
import {atomTimezone} from '../atom/timezone.js'
import {type DatabaseTarget, parseDatabaseUrl, readPasswordFile} from '../db/target.js'
import {AtomOpsError, ConfigError, UsageError} from '../errors.js'
import {loadSettingsFile, type Profile, selectProfile, type SettingsFile} from '../settings/profiles.js'
import {parseSeconds, type SecondsRange} from '../util/duration.js'
import {parseHostPort} from '../util/hostport.js'
import {registerSecret} from '../util/secrets.js'

/** The global options every command takes, as typed (flags) before env and profile are applied. */
export interface GlobalOptions {
  atomRoot?: string
  db?: string
  dbPasswordFile?: string
  gearman?: string[]
  workersKey?: string
  profile?: string
  timeout?: number
  timezone?: string
}

/** Where an effective setting came from, for `config show` and for error messages. */
export interface Source {
  kind: 'flag' | 'env' | 'profile' | 'file' | 'default' | 'derived'
  detail: string
}

export interface Sourced<T> {
  value: T
  source: Source
}

/** The database target, where it came from, and where its password came from (for config show; never the password). */
export interface SourcedDatabase extends Sourced<DatabaseTarget> {
  passwordSource: Source
}

export interface ResolvedConfig {
  settingsFile: string
  profile?: string
  atomRoot: Sourced<string>
  /** The parsed install, or the reason it could not be read (commands that need it rethrow that). */
  install?: AtomInstall
  installError?: AtomOpsError
  /** The database to open: --db/env/profile, else config.php, read only when first asked for. */
  database: Lazy<SourcedDatabase>
  /** AtoM's timezone (the clock its rows were written with), resolved when first asked for. */
  timezone: Lazy<Sourced<string>>
  gearman?: Sourced<GearmanServer[]>
  workersKey?: Sourced<string>
  prefix?: Sourced<string>
  timeoutMs: Sourced<number>
  /** The profile's remaining settings (service hosts, unit, manager) for the worker commands. */
  profileSettings?: Profile
}

export const ENV = {
  atomRoot: 'ATOM_OPS_ATOM_ROOT',
  db: 'ATOM_OPS_DB',
  dbPasswordFile: 'ATOM_OPS_DB_PASSWORD_FILE',
  gearman: 'ATOM_OPS_GEARMAN',
  workersKey: 'ATOM_OPS_WORKERS_KEY',
  profile: 'ATOM_OPS_PROFILE',
  timeout: 'ATOM_OPS_TIMEOUT',
  timezone: 'ATOM_OPS_TIMEZONE',
} as const

/** The password of a --db URL that has none, read only by atom-ops (never passed to a program it runs). */
export const DB_PASSWORD_ENV = 'ATOM_OPS_DB_PASSWORD'

const FLAG = {
  atomRoot: '--atom-root',
  db: '--db',
  dbPasswordFile: '--db-password-file',
  gearman: '--gearman',
  workersKey: '--workers-key',
  profile: '--profile',
  timeout: '--timeout',
  timezone: '--timezone',
} as const

/** A value computed on first use and kept: what a command never asks for is never read. */
export interface Lazy<T> {
  get(): Promise<T>
}

export function lazy<T>(compute: () => Promise<T>): Lazy<T> {
  let value: Promise<T> | undefined
  return {get: () => (value ??= compute())}
}

/** A value read from one of AtoM's YAML files, as a Source. */
export function originSource(origin: ConfigOrigin | undefined, fallback: string): Source {
  return origin ? {kind: 'file', detail: `${origin.file} (${origin.section})`} : {kind: 'default', detail: fallback}
}

export const DEFAULT_TIMEOUT_SECONDS = 5

type Origin = {source: Source; kind: 'usage' | 'config'}

function pick<T>(
  flag: T | undefined,
  name: keyof typeof ENV,
  env: NodeJS.ProcessEnv,
  fromEnv: (s: string) => T,
  profile: T | undefined,
  profileName?: string,
): {value: T; origin: Origin} | undefined {
  if (flag !== undefined) return {value: flag, origin: {source: {kind: 'flag', detail: FLAG[name]}, kind: 'usage'}}
  const e = env[ENV[name]]
  if (e !== undefined && e !== '')
    return {value: fromEnv(e), origin: {source: {kind: 'env', detail: ENV[name]}, kind: 'usage'}}
  if (profile !== undefined)
    return {value: profile, origin: {source: {kind: 'profile', detail: profileName ?? ''}, kind: 'config'}}
  return undefined
}

function describe(source: Source): string {
  return source.kind === 'flag'
    ? source.detail
    : source.kind === 'env'
      ? `$${source.detail}`
      : `profile ${source.detail}`
}

export function parseGearmanList(items: string[], origin: Origin): GearmanServer[] {
  if (items.length === 0)
    throw bad(origin, `${describe(origin.source)}: no Gearman server given`, 'Example: --gearman 127.0.0.1:4730')
  return items.map((item, i) => {
    const hp = parseHostPort(item, DEFAULT_GEARMAN_PORT)
    if (!hp)
      throw bad(
        origin,
        `${describe(origin.source)}: "${item}" is not a valid host:port`,
        'Example: --gearman 127.0.0.1:4730',
      )
    return {name: `#${i + 1}`, ...hp}
  })
}

function bad(origin: Origin, message: string, hint: string): AtomOpsError {
  return origin.kind === 'usage' ? new UsageError(message, hint) : new ConfigError(message, hint)
}

/** Every service wait: more than 0, at most an hour. */
export const TIMEOUT_RANGE: SecondsRange = {min: 0, max: 3600, above: true}

/** A timeout from the --timeout flag, $ATOM_OPS_TIMEOUT or a profile; `origin` names where it was typed. */
export function parseTimeoutSeconds(value: number | string, origin: string, kind: Origin['kind'] = 'usage'): number {
  try {
    return parseSeconds(value, origin, TIMEOUT_RANGE)
  } catch (error) {
    // A timeout written in atom-ops' config file is a configuration error (exit 3), as its other settings are.
    if (kind === 'config' && error instanceof UsageError) throw new ConfigError(error.message, error.hint)
    throw error
  }
}

/**
 * Resolves every setting: flag, then environment variable, then profile, then the install's own files,
 * then the default. Validation errors of typed values surface at once; an unreadable install is kept
 * as installError so commands that do not need it (or whose needs are overridden) still run.
 */
export async function resolveConfig(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
  settingsFile?: SettingsFile,
): Promise<ResolvedConfig> {
  const settings = settingsFile ?? (await loadSettingsFile())
  const profileName = options.profile ?? (env[ENV.profile] || undefined)
  const profile = selectProfile(settings, profileName)
  const profileLabel = profile ? `${profile.name} (${settings.path})` : undefined

  const timeoutPick = pick(
    options.timeout,
    'timeout',
    env,
    (s) => parseTimeoutSeconds(s, `$${ENV.timeout}`),
    profile?.timeout,
    profileLabel,
  )
  const timeoutOrigin = (source: Source) =>
    source.kind === 'profile' ? `${describe(source)}: timeout` : describe(source)
  const timeoutMs: Sourced<number> = timeoutPick
    ? {
        value: Math.round(
          parseTimeoutSeconds(timeoutPick.value, timeoutOrigin(timeoutPick.origin.source), timeoutPick.origin.kind) *
            1000,
        ),
        source: timeoutPick.origin.source,
      }
    : {value: DEFAULT_TIMEOUT_SECONDS * 1000, source: {kind: 'default', detail: `${DEFAULT_TIMEOUT_SECONDS}s`}}

  const rootPick = pick(options.atomRoot, 'atomRoot', env, (s) => s, profile?.atomRoot, profileLabel)
  const atomRoot: Sourced<string> = rootPick
    ? {value: resolvePath(rootPick.value), source: rootPick.origin.source}
    : {value: DEFAULT_ATOM_ROOT, source: {kind: 'default', detail: 'documented Ubuntu install path'}}

  // Typed overrides are validated before the install is read: a typo should be named as such.
  const dbPick = pick(options.db, 'db', env, (s) => s, profile?.db, profileLabel)
  const dbOverride = dbPick && {
    value: parseDatabaseUrl(dbPick.value, describe(dbPick.origin.source), dbPick.origin.kind),
    source: dbPick.origin.source,
  }
  const gearmanPick = pick(
    options.gearman,
    'gearman',
    env,
    (s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    profile?.gearman,
    profileLabel,
  )
  const gearmanOverride = gearmanPick && {
    value: parseGearmanList(gearmanPick.value, gearmanPick.origin),
    source: gearmanPick.origin.source,
  }
  const passwordPick = pickPassword(options, env, dbOverride, profile, profileLabel)
  const keyPick = pick(options.workersKey, 'workersKey', env, (s) => s, profile?.workersKey, profileLabel)

  let install: AtomInstall | undefined
  let installError: AtomOpsError | undefined
  try {
    install = await readAtomInstall(atomRoot.value)
  } catch (error) {
    if (!(error instanceof AtomOpsError)) throw error
    installError = error
  }

  const web = install?.web
  const gearman =
    gearmanOverride ??
    (web && {
      value: web.gearmanServers,
      source: originSource(web.origins.servers, 'no servers in gearman.yml: 127.0.0.1:4730'),
    })
  const workersKey: Sourced<string> | undefined = keyPick
    ? {value: keyPick.value, source: keyPick.origin.source}
    : web && {value: web.workersKey, source: originSource(web.origins.workersKey, 'no workers_key in app.yml: empty')}
  const prefix =
    install && workersKey
      ? {
          value: functionPrefix(install.realRoot, workersKey.value),
          source: {kind: 'derived', detail: `md5("${install.realRoot}" . workers_key) . "-"`} as Source,
        }
      : undefined

  const zonePick = pick(options.timezone, 'timezone', env, (s) => s, profile?.timezone, profileLabel)
  if (zonePick) checkZone(zonePick.value, describe(zonePick.origin.source), zonePick.origin.kind)
  const timezone = lazy(async (): Promise<Sourced<string>> => {
    if (zonePick) return {value: zonePick.value, source: zonePick.origin.source}
    if (!web) return {value: 'UTC', source: {kind: 'default', detail: 'no AtoM install to read it from'}}
    const found = await atomTimezone(web)
    return {
      value: found.zone,
      source: found.source.startsWith('/')
        ? {kind: 'file', detail: found.source}
        : {kind: 'default', detail: found.source},
    }
  })

  const database = lazy(async (): Promise<SourcedDatabase> => {
    if (dbOverride) {
      if (dbOverride.value.password !== '' || !passwordPick) return {...dbOverride, passwordSource: dbOverride.source}
      const password =
        'value' in passwordPick ? passwordPick.value : await readPasswordFile(passwordPick.file, passwordPick.what)
      return {value: {...dbOverride.value, password}, source: dbOverride.source, passwordSource: passwordPick.source}
    }

    if (!install)
      throw withHint(
        installError,
        'Or give the database directly with --db mysql://user@host/atom (the password in ATOM_OPS_DB_PASSWORD or --db-password-file)',
      )
    const source: Source = {kind: 'file', detail: install.configPhp}
    return {value: targetFromAtom(await readDatabaseSettings(install.configPhp)), source, passwordSource: source}
  })

  return {
    settingsFile: settings.path,
    profile: profile?.name,
    atomRoot,
    install,
    installError,
    database,
    timezone,
    gearman,
    workersKey,
    prefix,
    timeoutMs,
    profileSettings: profile,
  }
}

/** The password of a --db URL without one: a value (ATOM_OPS_DB_PASSWORD) or a file read when the database is first asked for. */
type PasswordPick = {value: string; source: Source} | {file: string; what: string; source: Source}

/**
 * Where the password of a --db URL (flag, ATOM_OPS_DB or profile) comes from when the URL has none,
 * first found: --db-password-file, $ATOM_OPS_DB_PASSWORD, $ATOM_OPS_DB_PASSWORD_FILE, the profile's
 * db_password_file. A password inside the URL wins; typing both on the command line, or a password
 * file flag with no URL to use it for (config.php has its own), is a usage error.
 */
function pickPassword(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  url: Sourced<DatabaseTarget> | undefined,
  profile: Profile | undefined,
  profileLabel: string | undefined,
): PasswordPick | undefined {
  const value = env[DB_PASSWORD_ENV] || undefined
  registerSecret(value)
  if (value !== undefined && env[ENV.dbPasswordFile])
    throw new UsageError(`$${DB_PASSWORD_ENV} and $${ENV.dbPasswordFile} are both set`, 'Keep one of them.')
  const filePick = pick(options.dbPasswordFile, 'dbPasswordFile', env, (s) => s, profile?.dbPasswordFile, profileLabel)
  if (filePick?.origin.source.kind === 'flag') {
    if (!url)
      throw new UsageError(
        '--db-password-file needs a --db URL: the password in config.php goes with its own user',
        'Give --db mysql://user@host:3306/atom with it (or ATOM_OPS_DB), or leave both out to use config.php.',
      )
    if (url.value.password !== '') {
      throw new UsageError(
        `--db-password-file: ${describe(url.source)} already carries a password`,
        'Remove the password from the URL: mysql://user@host:3306/atom',
      )
    }
  }

  const fromFile = (p: NonNullable<typeof filePick>): PasswordPick => {
    const file = resolvePath(p.value)
    const where =
      p.origin.source.kind === 'profile'
        ? `profile ${p.origin.source.detail}: db_password_file`
        : describe(p.origin.source)
    return {
      file,
      what: where,
      source: {
        kind: p.origin.source.kind,
        detail: `${p.origin.source.kind === 'profile' ? `${p.origin.source.detail}, db_password_file` : p.origin.source.detail} ${file}`,
      },
    }
  }

  if (filePick?.origin.source.kind === 'flag') return fromFile(filePick)
  if (value !== undefined) return {value, source: {kind: 'env', detail: DB_PASSWORD_ENV}}
  return filePick && fromFile(filePick)
}

/** The install, or the reason it could not be read. */
export function requireInstall(config: ResolvedConfig): AtomInstall {
  if (config.install) return config.install
  throw config.installError ?? new ConfigError('AtoM install not found', 'Set --atom-root.')
}

/** The database target, from --db/env/profile or config.php (read now, once). */
export async function requireDatabase(config: ResolvedConfig): Promise<DatabaseTarget> {
  return (await config.database.get()).value
}

export function requireGearman(config: ResolvedConfig): GearmanServer[] {
  if (config.gearman) return config.gearman.value
  throw withHint(config.installError, 'Or give the job servers directly with --gearman host:port')
}

export function requirePrefix(config: ResolvedConfig): string {
  if (config.prefix) return config.prefix.value
  throw withHint(
    config.installError,
    'The function prefix is computed from the install root and workers_key; atom-ops needs the install for it.',
  )
}

function withHint(installError: AtomOpsError | undefined, extra: string): AtomOpsError {
  const cause = installError ?? new ConfigError('AtoM install not found', 'Set --atom-root.')
  return new AtomOpsError(cause.kind, cause.message, cause.hint ? `${cause.hint} ${extra}` : extra)
}

export {type GearmanServer} from '../atom/install.js'

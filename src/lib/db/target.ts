import {AtomOpsError, ConfigError, UsageError} from '../errors.js'
import {readOwnerOnlyFile} from '../util/files.js'
import {registerSecret} from '../util/secrets.js'

/** Everything needed to open a MySQL connection; either host/port or a Unix socket. */
export interface DatabaseTarget {
  host?: string
  port?: number
  socketPath?: string
  user: string
  password: string
  database: string
  charset?: string
}

/**
 * Parses `mysql://user:password@host:port/database?socket=/path&charset=utf8mb4`.
 * `kind` decides whether a bad URL is the user's typo (usage) or a bad config file (config).
 */
export function parseDatabaseUrl(text: string, origin: string, kind: 'usage' | 'config'): DatabaseTarget {
  const fail = (why: string): AtomOpsError => {
    const hint = 'Expected mysql://user:password@host:3306/database (or ?socket=/run/mysqld/mysqld.sock)'
    return kind === 'usage' ? new UsageError(`${origin}: ${why}`, hint) : new ConfigError(`${origin}: ${why}`, hint)
  }

  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw fail('not a valid URL')
  }

  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:')
    throw fail(`scheme must be mysql://, not ${url.protocol}//`)
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part)
    } catch {
      throw fail(`the ${what} has a malformed %-escape`)
    }
  }

  const database = decode(url.pathname.replace(/^\//, ''), 'database name')
  if (!database || database.includes('/')) throw fail('no database name in the path')
  registerSecret(url.password)
  const password = decode(url.password, 'password')
  registerSecret(password)
  const user = decode(url.username, 'user name')
  if (!user) throw fail('no user name')
  for (const key of url.searchParams.keys()) {
    if (key !== 'socket' && key !== 'charset') throw fail(`unknown option "${key}" (known: socket, charset)`)
  }

  const socket = url.searchParams.get('socket') ?? undefined
  if (socket !== undefined && !socket.startsWith('/')) throw fail('?socket= must be an absolute path')
  const charset = url.searchParams.get('charset') ?? undefined
  if (socket) return {user, password, database, charset, socketPath: socket}
  if (!url.hostname) throw fail('no host (or ?socket=)')
  const port = url.port ? Number(url.port) : 3306
  return {user, password, database, charset, host: url.hostname.replaceAll(/^\[|\]$/g, ''), port}
}

/** For display: never includes the password. */
export function describeTarget(t: DatabaseTarget): string {
  const where = t.socketPath ? `socket ${t.socketPath}` : `${t.host}:${t.port}`
  return `${t.user}@${where}/${t.database}`
}

/** Whether a --db value is a valid database URL with a password in it (which `ps` shows every local user). */
export function urlCarriesPassword(text: string): boolean {
  try {
    return parseDatabaseUrl(text, '--db', 'usage').password !== ''
  } catch {
    return false
  }
}

/**
 * The password on the first line of a file (the line ending is not part of it; everything else is),
 * refused when the file is readable by other users. `what` names where the path came from.
 */
export async function readPasswordFile(path: string, what: string): Promise<string> {
  const text = await readOwnerOnlyFile(path, what)
  const password = text.split(/\r?\n/)[0]
  registerSecret(password)
  if (password === '')
    throw new ConfigError(
      `${what} ${path}: the first line is empty`,
      'Write the password alone on the first line of the file.',
    )
  return password
}

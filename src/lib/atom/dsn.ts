import {ConfigError} from '../errors.js'

export interface PdoMysqlDsn {
  dbname: string
  host?: string
  port?: number
  unixSocket?: string
  charset?: string
}

/**
 * Parses a PDO MySQL DSN (`mysql:dbname=atom;host=db;port=3306`), keys in any order, as both AtoM's
 * installer and its Docker set-up write it. The installer omits host for localhost (PDO then uses the socket).
 */
export function parsePdoMysqlDsn(dsn: string, origin: string): PdoMysqlDsn {
  const match = /^\s*mysql:(.*)$/i.exec(dsn)
  if (!match) {
    throw new ConfigError(
      `${origin}: DSN "${dsn}" is not a MySQL PDO DSN`,
      'It should look like mysql:dbname=atom;host=localhost;port=3306',
    )
  }

  const fields = new Map<string, string>()
  for (const part of match[1].split(';')) {
    if (part.trim() === '') continue
    const eq = part.indexOf('=')
    if (eq <= 0)
      throw new ConfigError(
        `${origin}: DSN part "${part}" is not key=value`,
        'Separate DSN parts with ; as in mysql:dbname=atom;host=localhost',
      )
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim())
  }

  const dbname = fields.get('dbname')
  if (!dbname) throw new ConfigError(`${origin}: DSN has no dbname`, 'Add dbname=<database> to the DSN.')
  const result: PdoMysqlDsn = {dbname}
  const host = fields.get('host')
  if (host) result.host = host
  const port = fields.get('port')
  if (port !== undefined) {
    const n = Number(port)
    if (!Number.isInteger(n) || n < 1 || n > 65_535)
      throw new ConfigError(`${origin}: DSN port "${port}" is not a port number`, 'Use a port between 1 and 65535.')
    result.port = n
  }

  const socket = fields.get('unix_socket')
  if (socket) result.unixSocket = socket
  const charset = fields.get('charset')
  if (charset) result.charset = charset
  return result
}

import type {Pool, PoolConnection, ResultSetHeader, RowDataPacket} from 'mysql2/promise'

import {AtomOpsError, ConfigError, OperationError, UnreachableError} from '../errors.js'
import {scrub} from '../util/secrets.js'
import {type DatabaseTarget, describeTarget} from './target.js'

export type Row = RowDataPacket
export type SqlValue = string | number | bigint | boolean | Date | null | Buffer | SqlValue[]

export interface Queryable {
  rows<T = Row>(sql: string, values?: SqlValue[]): Promise<T[]>
  /** Rows as arrays in column order: no object per row (large reads such as backups). */
  arrays(sql: string, values?: SqlValue[]): Promise<SqlValue[][]>
  execute(sql: string, values?: SqlValue[]): Promise<ResultSetHeader>
}

/**
 * A small pool with connect and per-statement timeouts. Every statement goes through `execute`
 * (server-side prepared); errors are mapped to atom-ops' error kinds with the password scrubbed.
 */
export class Database implements Queryable {
  private constructor(
    private readonly pool: Pool,
    readonly target: DatabaseTarget,
    readonly timeoutMs: number,
    /** How long one read (rows) may run: timeoutMs, unless a command that scans many rows asks for more. */
    readonly statementTimeoutMs: number = timeoutMs,
  ) {}

  static async open(
    target: DatabaseTarget,
    timeoutMs: number,
    options: {connectionLimit?: number; statementTimeoutMs?: number} = {},
  ): Promise<Database> {
    const mysql = (await import('mysql2/promise')).default
    const pool = mysql.createPool({
      host: target.socketPath ? undefined : target.host,
      port: target.socketPath ? undefined : target.port,
      socketPath: target.socketPath,
      user: target.user,
      password: target.password,
      database: target.database,
      charset: 'utf8mb4_general_ci',
      connectTimeout: timeoutMs,
      connectionLimit: options.connectionLimit ?? 4,
      maxIdle: 0,
      idleTimeout: 1000,
      enableKeepAlive: false,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: 'Z',
    })
    const db = new Database(pool, target, timeoutMs, options.statementTimeoutMs ?? timeoutMs)
    try {
      await pool.execute({sql: 'SELECT 1', timeout: timeoutMs})
    } catch (error) {
      await pool.end().catch(() => undefined)
      throw mapMysqlError(error, target, 'connect')
    }

    return db
  }

  async rows<T = Row>(sql: string, values: SqlValue[] = []): Promise<T[]> {
    try {
      const [rows] = await this.pool.execute<RowDataPacket[]>({sql, timeout: this.statementTimeoutMs}, values)
      return rows as T[]
    } catch (error) {
      throw mapMysqlError(error, this.target)
    }
  }

  async arrays(sql: string, values: SqlValue[] = []): Promise<SqlValue[][]> {
    try {
      const [rows] = await this.pool.execute<RowDataPacket[][]>(
        {sql, timeout: this.timeoutMs, rowsAsArray: true},
        values,
      )
      return rows as unknown as SqlValue[][]
    } catch (error) {
      throw mapMysqlError(error, this.target)
    }
  }

  async execute(sql: string, values: SqlValue[] = []): Promise<ResultSetHeader> {
    try {
      const [result] = await this.pool.execute<ResultSetHeader>({sql, timeout: this.timeoutMs}, values)
      return result
    } catch (error) {
      throw mapMysqlError(error, this.target)
    }
  }

  /**
   * Runs fn inside one transaction on one connection; rolls back on any error. A connection that
   * errored is destroyed (it may be broken or mid-statement), one that committed goes back to the pool.
   * With `retryDeadlocks`, a transaction InnoDB chose as a deadlock victim (or that waited too long for
   * a lock) is rolled back and run again, up to that many times: only for fn without side effects
   * outside the transaction. With `signal`, an abort interrupts the statement running (KILL QUERY from
   * another connection: a wait on a row lock ends at once, not at the lock or statement timeout), so
   * the transaction rolls back.
   */
  async transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    options: {retryDeadlocks?: number; readCommitted?: boolean; signal?: AbortSignal} = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transactionOnce(fn, options.readCommitted ?? false, options.signal)
      } catch (error) {
        if (attempt >= (options.retryDeadlocks ?? 0) || !isLockConflict(error) || options.signal?.aborted) throw error
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (attempt + 1)))
      }
    }
  }

  private async transactionOnce<T>(
    fn: (tx: Queryable) => Promise<T>,
    readCommitted: boolean,
    signal?: AbortSignal,
  ): Promise<T> {
    let conn: PoolConnection
    try {
      conn = await this.pool.getConnection()
    } catch (error) {
      throw mapMysqlError(error, this.target, 'connect')
    }

    let interrupted = false
    const interrupt = () => {
      interrupted = true
      this.pool.execute({sql: 'KILL QUERY ?', timeout: this.timeoutMs}, [conn.threadId]).catch(() => undefined)
    }

    signal?.addEventListener('abort', interrupt, {once: true})
    const {target} = this
    const timeout = this.timeoutMs
    const tx: Queryable = {
      async rows<R = Row>(sql: string, values: SqlValue[] = []) {
        try {
          const [rows] = await conn.execute<RowDataPacket[]>({sql, timeout}, values)
          return rows as R[]
        } catch (error) {
          throw mapMysqlError(error, target)
        }
      },
      async arrays(sql: string, values: SqlValue[] = []) {
        try {
          const [rows] = await conn.execute<RowDataPacket[][]>({sql, timeout, rowsAsArray: true}, values)
          return rows as unknown as SqlValue[][]
        } catch (error) {
          throw mapMysqlError(error, target)
        }
      },
      async execute(sql: string, values: SqlValue[] = []) {
        try {
          const [result] = await conn.execute<ResultSetHeader>({sql, timeout}, values)
          return result
        } catch (error) {
          throw mapMysqlError(error, target)
        }
      },
    }
    let ok = false
    try {
      // READ COMMITTED takes no gap locks: rows AtoM inserts meanwhile (above the locked ones) never wait on us.
      if (readCommitted) await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
      await conn.query('START TRANSACTION')
      const result = await fn(tx)
      await conn.query('COMMIT')
      ok = true
      return result
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => undefined)
      throw error instanceof AtomOpsError ? error : mapMysqlError(error, target)
    } finally {
      signal?.removeEventListener('abort', interrupt)
      // A connection that errored may be broken, and one a KILL QUERY was sent to may still receive it:
      // destroy rather than reuse them.
      if (ok && !interrupted) conn.release()
      else conn.destroy()
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined)
  }
}

/** InnoDB gave up on a lock: a deadlock victim (1213) or a lock wait timeout (1205); the transaction was rolled back. */
export function isLockConflict(error: unknown): boolean {
  let e: unknown = error
  for (let i = 0; i < 4 && e; i++) {
    const x = e as {code?: string; errno?: number; cause?: unknown}
    if (x.code === 'ER_LOCK_DEADLOCK' || x.code === 'ER_LOCK_WAIT_TIMEOUT' || x.errno === 1213 || x.errno === 1205)
      return true
    e = x.cause
  }

  return false
}

const UNREACHABLE_CODES = new Set([
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT',
  'ENOTFOUND',
  'ETIMEDOUT',
  'PROTOCOL_SEQUENCE_TIMEOUT',
])
/** An open connection lost mid-statement: the server answered before, so "is it running?" would mislead. */
const LOST_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'PROTOCOL_CONNECTION_LOST',
])
const LOST_ERRNOS = new Set([1053, 1927, 2013])

/** `phase`: a connection lost while connecting is an unreachable server; one lost during a statement was cut. */
export function mapMysqlError(
  error: unknown,
  target: DatabaseTarget,
  phase: 'connect' | 'statement' = 'statement',
): AtomOpsError {
  if (error instanceof AtomOpsError) return error
  const e = error as {code?: string; message?: string; errno?: number}
  const where = describeTarget(target)
  const message = scrub(e.message ?? String(error))
  const code = e.code ?? ''
  if (phase === 'statement' && (LOST_CODES.has(code) || (e.errno !== undefined && LOST_ERRNOS.has(e.errno)))) {
    return new UnreachableError(
      'mysql',
      `MySQL at ${where} closed the connection during a statement (${code || e.errno})`,
      'The connection was killed (KILL, a proxy, wait_timeout) or the server restarted: see its log.',
      {cause: error},
    )
  }

  if (UNREACHABLE_CODES.has(code) || LOST_CODES.has(code) || /timeout|timed out/i.test(message)) {
    return new UnreachableError(
      'mysql',
      `MySQL at ${where} did not answer: ${code || message}`,
      'Is MariaDB/MySQL running (systemctl status mariadb)? Check host, port or socket in config.php or --db.',
      {cause: error},
    )
  }

  if (
    code === 'ER_ACCESS_DENIED_ERROR' ||
    code === 'ER_DBACCESS_DENIED_ERROR' ||
    code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'
  ) {
    return new ConfigError(
      `MySQL refused the login for ${where}: access denied`,
      'Check the username and password in config.php (or --db).',
    )
  }

  if (code === 'ER_BAD_DB_ERROR')
    return new ConfigError(
      `MySQL database does not exist: ${where}`,
      'Check dbname in the DSN of config.php (or --db).',
    )
  if (code === 'ER_NO_SUCH_TABLE')
    return new ConfigError(
      `not an AtoM database: ${message}`,
      'Check that config.php (or --db) names the AtoM database.',
    )
  return new OperationError(`MySQL error at ${where}: ${message}`, 'Run again with --debug for details.', {
    cause: error,
  })
}

import type {Connection, ResultSetHeader} from 'mysql2/promise'

import {randomBytes} from 'node:crypto'

import type {Queryable} from '../../../src/lib/db/database.js'

import {type DatabaseTarget, parseDatabaseUrl} from '../../../src/lib/db/target.js'
import {ATOM_SCHEMA, phpSerializeList, STOCK_ENABLED_PLUGINS, TAXONOMY, TERMS} from './schema.js'

/** The MariaDB server the test bed creates throwaway databases on (root, empty password by default). */
export function adminTarget(env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  return parseDatabaseUrl(
    env.ATOM_OPS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql',
    'ATOM_OPS_TEST_MYSQL_URL',
    'config',
  )
}

export const TEST_DB_PREFIX = 'atomops_t_'

export interface ThrowawayDatabase {
  target: DatabaseTarget
  name: string
  user: string
  drop(): Promise<void>
}

async function adminConnection(admin: DatabaseTarget, database?: string): Promise<Connection> {
  const mysql = (await import('mysql2/promise')).default
  return mysql.createConnection({
    host: admin.socketPath ? undefined : admin.host,
    port: admin.port,
    socketPath: admin.socketPath,
    user: admin.user,
    password: admin.password,
    database,
    connectTimeout: 5000,
    multipleStatements: false,
    charset: 'utf8mb4_general_ci',
  })
}

/** A password with quotes, a backslash, a dollar and non-ASCII text: config parsing and scrubbing must survive it. */
export function distinctivePassword(): string {
  return `Zq7$'pw"\\ü-${randomBytes(4).toString('hex')}`
}

/**
 * Creates a database with AtoM's job tables and status terms, and a user that may use only it.
 * Names carry their creation time so a crashed run's leftovers are swept by the next one.
 */
export async function createAtomDatabase(
  options: {admin?: DatabaseTarget; password?: string; plugins?: string[]} = {},
): Promise<ThrowawayDatabase> {
  const admin = options.admin ?? adminTarget()
  const conn = await adminConnection(admin)
  const stamp = Math.floor(Date.now() / 1000)
  const id = randomBytes(3).toString('hex')
  const name = `${TEST_DB_PREFIX}${stamp}_${id}`
  const user = `aops_${id}`
  const password = options.password ?? distinctivePassword()
  try {
    await sweepStaleDatabases(conn)
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    for (const host of ['127.0.0.1', 'localhost']) {
      await conn.query(`CREATE USER ?@? IDENTIFIED BY ?`, [user, host, password])
      await conn.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO ?@?`, [user, host])
    }

    await conn.query(`USE \`${name}\``)
    for (const ddl of ATOM_SCHEMA) await conn.query(ddl)
    await seedTaxonomies(conn)
    await seedPluginSetting(
      {execute: async (sql, values) => (await conn.query<ResultSetHeader>(sql, values))[0]},
      options.plugins ?? STOCK_ENABLED_PLUGINS,
    )
  } catch (error) {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined)
    for (const host of ['127.0.0.1', 'localhost'])
      await conn.query(`DROP USER IF EXISTS ?@?`, [user, host]).catch(() => undefined)
    throw error
  } finally {
    await conn.end()
  }

  const target: DatabaseTarget = admin.socketPath
    ? {socketPath: admin.socketPath, user, password, database: name}
    : {host: admin.host, port: admin.port, user, password, database: name}
  return {target, name, user, drop: () => dropDatabase(admin, name, user)}
}

async function seedTaxonomies(conn: Connection): Promise<void> {
  const now = '2024-01-01 00:00:00'
  for (const taxonomy of Object.values(TAXONOMY)) {
    await conn.query(`INSERT INTO object (id, class_name, created_at, updated_at) VALUES (?, 'QubitTaxonomy', ?, ?)`, [
      taxonomy,
      now,
      now,
    ])
    await conn.query(`INSERT INTO taxonomy (id) VALUES (?)`, [taxonomy])
  }

  for (const term of TERMS) {
    await conn.query(`INSERT INTO object (id, class_name, created_at, updated_at) VALUES (?, 'QubitTerm', ?, ?)`, [
      term.id,
      now,
      now,
    ])
    await conn.query(`INSERT INTO term (id, taxonomy_id) VALUES (?, ?)`, [term.id, term.taxonomy])
    await conn.query(`INSERT INTO term_i18n (id, culture, name) VALUES (?, 'en', ?)`, [term.id, term.name])
  }

  // AtoM's own rows start well above its fixed ids.
  await conn.query(`ALTER TABLE object AUTO_INCREMENT = 1000`)
}

/** The `plugins` setting as the installer writes it: one row, its value a PHP-serialized list in the source culture. */
export async function seedPluginSetting(db: Pick<Queryable, 'execute'>, plugins: string[]): Promise<void> {
  await db.execute(`DELETE FROM setting WHERE name = 'plugins'`)
  const r = await db.execute(
    `INSERT INTO setting (name, editable, deleteable, source_culture) VALUES ('plugins', 0, 0, 'en')`,
  )
  await db.execute(`INSERT INTO setting_i18n (id, culture, value) VALUES (?, 'en', ?)`, [
    r.insertId,
    phpSerializeList(plugins),
  ])
}

export async function dropDatabase(admin: DatabaseTarget, name: string, user: string): Promise<void> {
  const conn = await adminConnection(admin)
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
    for (const host of ['127.0.0.1', 'localhost']) await conn.query(`DROP USER IF EXISTS ?@?`, [user, host])
  } finally {
    await conn.end()
  }
}

/** Drops test databases (and their users) left by runs that died more than two hours ago. */
async function sweepStaleDatabases(conn: Connection): Promise<void> {
  const [rows] = await conn.query<Array<import('mysql2').RowDataPacket & {name: string}>>(
    `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?`,
    [`${TEST_DB_PREFIX}%`],
  )
  const cutoff = Date.now() / 1000 - 2 * 3600
  for (const {name} of rows) {
    const m = /^atomops_t_(\d+)_([0-9a-f]{6})$/.exec(name)
    if (!m || Number(m[1]) > cutoff) continue
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
    for (const host of ['127.0.0.1', 'localhost']) await conn.query(`DROP USER IF EXISTS ?@?`, [`aops_${m[2]}`, host])
  }
}

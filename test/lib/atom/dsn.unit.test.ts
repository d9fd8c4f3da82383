import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parsePdoMysqlDsn} from '../../../src/lib/atom/dsn.js'
import {ConfigError} from '../../../src/lib/errors.js'

test('DSN keys in any order, as the installer and the Docker set-up write them', () => {
  assert.deepEqual(parsePdoMysqlDsn('mysql:dbname=atom;host=db.example;port=3307', 'x'), {
    dbname: 'atom',
    host: 'db.example',
    port: 3307,
  })
  assert.deepEqual(parsePdoMysqlDsn('mysql:host=db;port=3306;dbname=atom;charset=utf8mb4', 'x'), {
    dbname: 'atom',
    host: 'db',
    port: 3306,
    charset: 'utf8mb4',
  })
  assert.deepEqual(parsePdoMysqlDsn('mysql:port=3306;dbname=atom', 'x'), {dbname: 'atom', port: 3306})
  assert.deepEqual(parsePdoMysqlDsn('mysql:dbname=atom;unix_socket=/run/mysqld/mysqld.sock', 'x'), {
    dbname: 'atom',
    unixSocket: '/run/mysqld/mysqld.sock',
  })
  assert.deepEqual(parsePdoMysqlDsn('MySQL: dbname = atom ; host = h ;', 'x'), {dbname: 'atom', host: 'h'})
})

test('a DSN without dbname, with a bad port, of another driver or malformed is a ConfigError', () => {
  for (const bad of [
    'mysql:host=db;port=3306',
    'mysql:dbname=atom;port=99999',
    'mysql:dbname=atom;port=abc',
    'pgsql:dbname=atom',
    'mysql:dbname',
    'sqlite::memory:',
    '',
  ]) {
    assert.throws(
      () => parsePdoMysqlDsn(bad, 'config.php'),
      (e: unknown) => e instanceof ConfigError && e.exitCode === 3 && e.message.startsWith('config.php'),
      bad,
    )
  }
})

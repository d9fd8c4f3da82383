import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {iniTimezone, phpIniTimezone} from '../../../src/lib/atom/timezone.js'
import {tempDirectory} from '../../helpers/temp-install.js'

const temp = tempDirectory('tz')

describe("PHP's date.timezone", () => {
  test('the last active date.timezone line of an ini file, quoted or not; comments ignored', () => {
    assert.equal(iniTimezone(';date.timezone =\n'), undefined)
    assert.equal(iniTimezone('[Date]\ndate.timezone = Europe/Paris\n'), 'Europe/Paris')
    assert.equal(iniTimezone('date.timezone = "Asia/Tokyo" ; where we are\n'), 'Asia/Tokyo')
    assert.equal(iniTimezone("date.timezone='UTC'\ndate.timezone = America/Halifax\n"), 'America/Halifax')
    assert.equal(iniTimezone('date.timezone =\n'), undefined)
  })

  test('php.ini then conf.d in name order, for the newest version that has the SAPI; fpm and cli apart', async () => {
    const dir = join(temp.path, 'php')
    for (const v of ['7.4', '8.2'])
      for (const sapi of ['fpm', 'cli']) await mkdir(join(dir, v, sapi, 'conf.d'), {recursive: true})
    await writeFile(join(dir, '7.4', 'fpm', 'php.ini'), 'date.timezone = Europe/Oslo\n')
    await writeFile(join(dir, '8.2', 'fpm', 'php.ini'), ';date.timezone =\n')
    await writeFile(join(dir, '8.2', 'fpm', 'conf.d', '20-tz.ini'), 'date.timezone = Europe/Paris\n')
    await writeFile(join(dir, '8.2', 'fpm', 'conf.d', '90-site.ini'), 'date.timezone = America/Toronto\n')
    await writeFile(join(dir, '8.2', 'cli', 'php.ini'), 'memory_limit = -1\n')
    const fpm = await phpIniTimezone('fpm', dir)
    assert.equal(fpm?.zone, 'America/Toronto')
    assert.match(fpm!.source, /8\.2\/fpm\/conf\.d\/90-site\.ini \(date\.timezone\)$/)
    assert.equal(await phpIniTimezone('cli', dir), undefined)
    assert.equal(await phpIniTimezone('cli', join(temp.path, 'none')), undefined)
  })
})

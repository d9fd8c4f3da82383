import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {AtomOpsError} from '../../../src/lib/errors.js'
import {parseDuration, parseId, parsePositiveInt} from '../../../src/lib/util/duration.js'

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['90m', 5_400_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['45s', 45_000],
    ['2w', 1_209_600_000],
    [' 3H ', 10_800_000],
  ] as Array<[string, number]>) {
    test(text, () => assert.equal(parseDuration(text, '--older-than'), ms))
  }

  for (const bad of ['', '5', 'h', '-5m', '1.5h', '2 weeks', '1h 30m', '0m', 'm5', '5m5', '999999999d']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseDuration(bad, '--older-than'),
        (e: AtomOpsError) => e.exitCode === 2 && e.message.includes('--older-than'),
      )
    })
  }
})

describe('parseId', () => {
  test('accepts positive ints', () => assert.equal(parseId('1234'), 1234))
  for (const bad of ['', '0', '-1', '1e3', '12a', '2147483648', ' ', '1.0']) {
    test(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(
        () => parseId(bad),
        (e: AtomOpsError) => e.exitCode === 2,
      ))
  }

  test('parsePositiveInt bounds', () => {
    assert.equal(parsePositiveInt('10', '--limit', 100), 10)
    assert.throws(() => parsePositiveInt('101', '--limit', 100), /--limit "101"/)
  })
})

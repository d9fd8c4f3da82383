import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {phpCsvField, phpCsvLine} from '../../../src/lib/jobs/csv.js'

// Expected values are what PHP 8's fputcsv writes with its defaults (',', '"', '\\').
describe("PHP fputcsv's quoting", () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two words', '"two words"'],
    ['line\nbreak', '"line\nbreak"'],
    ['tab\there', '"tab\there"'],
    ['back\\slash', '"back\\slash"'],
    ['esc\\"quote', '"esc\\"quote"'],
  ]
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(phpCsvField(input), want))
  test('a line ends in LF; null is empty', () => assert.equal(phpCsvLine(['a', null, 3]), 'a,,3\n'))
})

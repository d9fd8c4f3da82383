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

describe('cells neutralised for spreadsheets and terminals (the default)', () => {
  const cases: Array<[string | number, string]> = [
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1', "'+1"],
    ['-1+2', "'-1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['a=1', 'a=1'],
    [-3, '-3'],
    ['\x1b]52;c;ZXZpbA==\x07', '"\\u001b]52;c;ZXZpbA==\\u0007"'],
    ['title\x1b]0;x\x07', '"title\\u001b]0;x\\u0007"'],
    ['\x9b31m\u202e', '"\\u009b31m\\u202e"'],
    ['line\nbreak\r\tstays', '"line\nbreak\r\tstays"'],
    ['\x1b=1', '"\\u001b=1"'],
  ]
  // Test names with C1 and bidi characters spelled out (JSON.stringify leaves them raw).
  const name = (v: string | number) => JSON.stringify(v).replace(/[\x7f-\x9f\u202a-\u202e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  for (const [input, want] of cases) test(name(input), () => assert.equal(phpCsvField(input), want))
  test('--raw: exactly as stored, quoted as fputcsv does', () => {
    for (const input of ['=1+1', '\x1b[2J\x07', '@x', '-1']) assert.equal(phpCsvField(input, {raw: true}), input)
    assert.equal(phpCsvLine(['+a b', '\x1b'], {raw: true}), '"+a b",\x1b\n')
  })
})

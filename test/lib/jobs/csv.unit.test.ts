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
    [String.raw`back\slash`, String.raw`"back\slash"`],
    [String.raw`esc\"quote`, String.raw`"esc\"quote"`],
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
    ['\u001B]52;c;ZXZpbA==\u0007', String.raw`"\u001b]52;c;ZXZpbA==\u0007"`],
    ['title\u001B]0;x\u0007', String.raw`"title\u001b]0;x\u0007"`],
    ['\u009B31m\u202E', String.raw`"\u009b31m\u202e"`],
    ['line\nbreak\r\tstays', '"line\nbreak\r\tstays"'],
    ['\u001B=1', String.raw`"\u001b=1"`],
  ]
  // Test names with C1 and bidi characters spelled out (JSON.stringify leaves them raw).
  const name = (v: string | number) =>
    JSON.stringify(v).replaceAll(
      /[\u007F-\u009F\u202A-\u202E]/g,
      (c) => String.raw`\u` + c.charCodeAt(0).toString(16).padStart(4, '0'),
    )
  for (const [input, want] of cases) test(name(input), () => assert.equal(phpCsvField(input), want))
  test('--raw: exactly as stored, quoted as fputcsv does', () => {
    for (const input of ['=1+1', '\u001B[2J\u0007', '@x', '-1']) assert.equal(phpCsvField(input, {raw: true}), input)
    assert.equal(phpCsvLine(['+a b', '\u001B'], {raw: true}), '"+a b",\u001B\n')
  })
})

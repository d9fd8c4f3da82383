import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {type Column, renderTable, truncateMiddle} from '../../src/ui/table.js'
import {PLAIN_VIEW} from '../../src/ui/view.js'

const at = (width: number) => ({...PLAIN_VIEW, width})
const longest = (text: string) => Math.max(...text.split('\n').map((l) => l.length))

describe('truncateMiddle', () => {
  test('keeps both ends, so the two export jobs stay apart', () => {
    assert.equal(truncateMiddle('arInformationObjectCsvExportJob', 23), 'arInformat…CsvExportJob')
    assert.equal(truncateMiddle('arInformationObjectXmlExportJob', 23), 'arInformat…XmlExportJob')
    assert.equal(truncateMiddle('short', 23), 'short')
    assert.equal(truncateMiddle('abcdef', 1), '…')
  })
})

describe('renderTable: fitting a width', () => {
  const columns: Column[] = [
    {key: 'server', caption: true},
    {key: 'class', head: 'job class', shrink: 'middle'},
    {key: 'waiting', align: 'right'},
    {key: 'note', hide: 1, shrink: 'end'},
    {key: 'why', footnote: true},
  ]
  const rows = [
    [
      '10.0.0.1:4730',
      'arInformationObjectCsvExportJob',
      3,
      'a long free-text note that nobody needs at 40 columns',
      'nothing queued or running for this function',
    ],
    ['10.0.0.1:4730', 'arInformationObjectXmlExportJob', 12, '', 'nothing queued or running for this function'],
    ['10.0.0.1:4730', 'arFindingAidJob', 0, 'x', 'a worker is busy on it'],
  ]

  test('a pipe gets every column in full, with borders', () => {
    const text = renderTable(columns, rows)
    assert.match(text, /│ server +│ job class +│ waiting │ note +│ why +│/)
    assert.match(text, /arInformationObjectCsvExportJob/)
    assert.match(text, /a long free-text note that nobody needs at 40 columns/)
  })

  test('a wide terminal: aligned columns, numbers to the right, nothing left out', () => {
    const text = renderTable(columns, rows, at(200))
    assert.doesNotMatch(text, /│/)
    assert.match(text, /^server +job class +waiting {2}note/m)
    assert.match(text, /arInformationObjectXmlExportJob {2}\s*12 {2}/)
    assert.ok(longest(text) <= 200)
  })

  test('narrower: one server becomes a caption, the why becomes numbered notes (repeated reasons share one), the low-value column goes, names are cut in the middle and stay distinct', () => {
    const text = renderTable(columns, rows, at(40))
    const lines = text.split('\n')
    assert.equal(lines[0], 'server: 10.0.0.1:4730')
    assert.ok(
      lines.slice(1).every((l) => l.length <= 40 || /^\[\d\]|^ {4}|^\(/.test(l)),
      text,
    )
    const names = lines.filter((l) => l.startsWith('arInf')).map((l) => l.split(/ {2,}/)[0])
    assert.equal(names.length, 2)
    assert.notEqual(names[0], names[1])
    assert.match(names[0], /^arInf.*….*CsvExportJob$/)
    assert.match(text, /\[1\]\n.*\[1\]\n.*\[2\]/s)
    assert.equal((text.match(/^\[1\] nothing queued/gm) ?? []).length, 1)
    assert.match(text, /^\[2\] a worker is busy on it$/m)
    assert.match(text, /not shown at 40 columns: note; --wide shows all/)
    assert.doesNotMatch(text, /free-text/)
  })

  test('too narrow for any table: key: value blocks with every column', () => {
    const text = renderTable(columns, rows, at(12))
    assert.match(
      text,
      /^server: +10\.0\.0\.1:4730\njob class: +arInformationObjectCsvExportJob\nwaiting: +3\nnote: +a long/m,
    )
    assert.equal(text.split('\n\n').length, 3)
  })

  test('--columns picks and orders; a chosen column is never left out or turned into a caption', () => {
    const text = renderTable(columns, rows, at(60), {select: ['note', 'server']})
    const [head] = text.split('\n')
    assert.match(head, /^note +server$/)
    assert.match(text, /10\.0\.0\.1:4730/)
    assert.doesNotMatch(text, /job class|waiting/)
    assert.equal(renderTable(columns, rows, PLAIN_VIEW, {select: ['waiting']}).split('\n')[1], '│ waiting │')
  })

  test('colour: a bold header, styled cells, and no escape codes without colour', () => {
    const styled = [[{value: 'arFindingAidJob', style: 'inverse' as const}, 1]]
    const coloured = renderTable(['name', 'n'], styled, {...at(80), colour: true})
    assert.match(coloured, /^\u001B\[1mname/)
    assert.match(coloured, /\u001B\[7marFindingAidJob/)
    assert.doesNotMatch(renderTable(['name', 'n'], styled, at(80)), /\u001B/)
    assert.doesNotMatch(renderTable(['name', 'n'], styled), /\u001B/)
  })

  test('--quiet: no note about left-out columns', () => {
    assert.doesNotMatch(renderTable(columns, rows, {...at(40), quiet: true}), /not shown/)
  })

  test('cell text is made inert: an escape sequence from the database is shown, not run', () => {
    const text = renderTable(['name'], [['\u001B[31mred']], at(80))
    assert.match(text, /\\u001b\[31mred/)
  })
})

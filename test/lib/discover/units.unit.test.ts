import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseSupervisorIni} from '../../../src/lib/discover/units.js'

test("supervisord's INI: comments, inline comments, continuation lines, `:` as separator", () => {
  const sections = parseSupervisorIni(
    [
      '; a comment',
      '[program:atom-worker]',
      'command = /usr/bin/php symfony jobs:worker ; inline comment',
      'directory: /usr/share/nginx/atom',
      'environment = A="1",',
      '  B="2"',
      '# another comment',
      '[group:atom]',
      'programs=atom-worker,other',
    ].join('\n'),
  )
  assert.deepEqual(
    sections.map((s) => [s.name, Object.fromEntries(s.values)]),
    [
      [
        'program:atom-worker',
        {command: '/usr/bin/php symfony jobs:worker', directory: '/usr/share/nginx/atom', environment: 'A="1",\nB="2"'},
      ],
      ['group:atom', {programs: 'atom-worker,other'}],
    ],
  )
})

import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {colourWanted, IOStreams, pagerArgv, pagerEnv, screenLines} from '../../src/cli/io.js'
import {screen} from '../helpers/screen.js'

describe('colour: NO_COLOR, FORCE_COLOR, --color/--no-color, terminals', () => {
  const cases: Array<[string, boolean | undefined, NodeJS.ProcessEnv, boolean, boolean]> = [
    ['a terminal', undefined, {TERM: 'xterm'}, true, true],
    ['a pipe', undefined, {TERM: 'xterm'}, false, false],
    ['NO_COLOR on a terminal', undefined, {NO_COLOR: '1'}, true, false],
    ['NO_COLOR empty is not set (no-color.org)', undefined, {NO_COLOR: ''}, true, true],
    ['TERM=dumb', undefined, {TERM: 'dumb'}, true, false],
    ['FORCE_COLOR in a pipe', undefined, {FORCE_COLOR: '1'}, false, true],
    ['FORCE_COLOR empty in a pipe', undefined, {FORCE_COLOR: ''}, false, true],
    ['FORCE_COLOR=0 on a terminal', undefined, {FORCE_COLOR: '0'}, true, false],
    ['FORCE_COLOR over NO_COLOR (as node)', undefined, {FORCE_COLOR: '1', NO_COLOR: '1'}, false, true],
    ['--no-color over FORCE_COLOR', false, {FORCE_COLOR: '1'}, true, false],
    ['--color in a pipe, over NO_COLOR', true, {NO_COLOR: '1'}, false, true],
  ]
  for (const [name, flag, env, tty, want] of cases) {
    test(name, () => assert.equal(colourWanted(flag, env, tty), want))
  }

  test('--json never colours', () => {
    assert.equal(new IOStreams({json: true}, {FORCE_COLOR: '1'}, screen()).colour, false)
  })
})

describe('pager', () => {
  test('$ATOM_OPS_PAGER, then $PAGER, then less -FRX; split into words, never a shell', () => {
    assert.deepEqual(pagerArgv({}), ['less', '-FRX'])
    assert.deepEqual(pagerArgv({PAGER: 'most'}), ['most'])
    assert.deepEqual(pagerArgv({PAGER: 'most', ATOM_OPS_PAGER: "'/opt/my pager/bin/view' -x"}), [
      '/opt/my pager/bin/view',
      '-x',
    ])
    assert.deepEqual(pagerArgv({PAGER: 'less; rm -rf /'}), ['less;', 'rm', '-rf', '/'])
  })
  test("the pager sees no ATOM_OPS_* variable, keeps the locale and the user's LESS", () => {
    const env = pagerEnv({
      PATH: '/bin',
      LANG: 'en_CA.UTF-8',
      LC_ALL: 'fr_CA.UTF-8',
      ATOM_OPS_DB_PASSWORD: 's3cr3t',
      MYSQL_PWD: 'x',
      LESS: 'R',
    })
    assert.deepEqual(env, {PATH: '/bin', LANG: 'en_CA.UTF-8', LC_ALL: 'fr_CA.UTF-8', LESS: 'R', LV: '-c'})
  })
  test('PAGER=cat or empty: no pager', () => {
    assert.equal(pagerArgv({PAGER: 'cat'}), undefined)
    assert.equal(pagerArgv({PAGER: ''}), undefined)
    assert.equal(pagerArgv({PAGER: 'less', ATOM_OPS_PAGER: ''}), undefined)
  })
  test('an unbalanced quote is a usage error naming the variable', () => {
    assert.throws(() => pagerArgv({PAGER: "less '-R"}), /pager command.*unbalanced/)
  })
  test('long lines count as the screen lines they wrap to', () => {
    assert.equal(screenLines('a\nb', 80), 2)
    assert.equal(screenLines('x'.repeat(161), 80), 3)
  })
  const long = Array.from({length: 20}, (_, i) => `line ${i}`).join('\n')
  for (const [name, flags, env, tty] of [
    ['a pipe, whatever PAGER says', {json: false}, {PAGER: '/nonexistent/pager'}, false],
    ['--no-pager', {json: false, noPager: true}, {PAGER: '/nonexistent/pager'}, true],
    ['--json', {json: true}, {PAGER: '/nonexistent/pager'}, true],
    ['PAGER=cat', {json: false}, {PAGER: 'cat'}, true],
  ] as const) {
    test(`not paged: ${name}: written straight to stdout`, async () => {
      const out = screen(tty)
      await new IOStreams(flags, env, out, {isTTY: true}, {isTTY: true}).print(long)
      assert.equal(out.written, long + '\n')
    })
  }

  test('short output on a terminal is not paged', async () => {
    const out = screen(true)
    await new IOStreams({json: false}, {PAGER: '/nonexistent/pager'}, out, {isTTY: true}, {isTTY: true}).print(
      'one\ntwo',
    )
    assert.equal(out.written, 'one\ntwo\n')
  })
  test("width: the terminal's, none in a pipe or with --wide", () => {
    assert.equal(new IOStreams({json: false}, {}, screen(true)).columns, 80)
    assert.equal(new IOStreams({json: false}, {}, screen(false)).columns, undefined)
    assert.equal(new IOStreams({json: false, wide: true}, {}, screen(true)).columns, undefined)
  })
})

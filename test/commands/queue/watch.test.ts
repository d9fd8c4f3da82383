import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import type {QueueStatusReport} from '../../../src/lib/queue/inspect.js'

import {withBinary} from '../../../src/lib/gearman/binary.js'
import {diffRows} from '../../../src/lib/queue/watch.js'
import {runCli} from '../../helpers/cli.js'
import {TestBed} from '../../support/testbed/testbed.js'

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))

let bed: TestBed
before(async () => {
  bed = await TestBed.start({gearmandCount: 2})
  await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'])
})
after(async () => {
  await bed?.stop()
})

describe('queue watch without a terminal', () => {
  test('--json --count 2: one JSON line per interval; a job queued between the two shows as a change', async () => {
    const child = spawn(process.execPath, [BIN, 'queue', 'watch', '--json', '--count', '2', '--interval', '1.5'], {
      env: {PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...bed.env()},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    const times: number[] = []
    let buffer = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    let submitted: Promise<string> | undefined
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, nl))
        times.push(Date.now())
        buffer = buffer.slice(nl + 1)
        // between the first and the second snapshot, queue a job for a function nobody serves
        if (lines.length === 1)
          submitted = withBinary(bed.servers[0], 2000, (b) => b.submitBackground(bed.fn('arFileImportJob'), 'w1', '{}'))
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    await submitted
    assert.equal(code, 0, stderr)
    assert.equal(lines.length, 2, lines.join('\n'))
    const [a, b] = lines.map((l) => JSON.parse(l))
    assert.deepEqual([a.seq, b.seq], [1, 2])
    assert.ok(times[1] - times[0] >= 1200, `interval ${times[1] - times[0]} ms`)
    assert.ok(a.rows.every((r: any) => r.changed.length === 0))
    const added = b.rows.find((r: any) => r.jobClass === 'arFileImportJob')
    assert.deepEqual([added.waiting, added.changed, added.server], [1, ['new'], `127.0.0.1:${bed.servers[0].port}`])
    assert.equal(b.rows[0].jobClass, 'arFileImportJob', 'sorted by waiting')
  })

  test('human form: two snapshots with headers, then it exits; a dead server makes the exit code 4', async () => {
    const r = await runCli(
      [
        'queue',
        'watch',
        '--count',
        '2',
        '--interval',
        '0.5',
        '--timeout',
        '1',
        '--gearman',
        `127.0.0.1:${bed.servers[1].port}`,
        '--gearman',
        '127.0.0.1:1',
      ],
      {env: bed.env()},
    )
    assert.equal(r.code, 4, r.stderr)
    assert.equal((r.stdout.match(/^atom-ops queue watch {2}\d{4}-/gm) ?? []).length, 2)
    assert.match(r.stdout, /arObjectMoveJob/)
    assert.match(r.stdout, /127\.0\.0\.1:1 {2}DOWN/)
    assert.doesNotMatch(r.stdout, /\u001B/, 'no escape codes without a terminal')
  })

  test('bad --interval and --count: one line, exit 2', async () => {
    for (const args of [
      ['--interval', 'soon'],
      ['--interval', '0'],
      ['--count', '0'],
    ]) {
      const r = await runCli(['queue', 'watch', ...args], {env: bed.env()})
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^atom-ops: --(interval|count)[: ]/)
      assert.equal(r.stdout, '')
    }
  })
})

describe('queue watch on a terminal (a pseudo-terminal from script(1))', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0
  for (const [name, key, jobClass] of [
    ['q', 'q', 'arXmlExportSingleFileJob'],
    ['Ctrl-C', '\u0003', 'arActorXmlExportJob'],
  ] as const) {
    test(
      `quits on ${name} and restores the terminal (cursor shown, raw mode off)`,
      {skip: !hasScript && 'script(1) not installed'},
      async () => {
        const env = Object.entries(bed.env())
          .map(([k, v]) => `${k}=${quote(v!)}`)
          .join(' ')
        // after atom-ops exits, stty shows the terminal's mode: canonical input and echo must be back
        const inner = `env ${env} ${quote(process.execPath)} ${quote(BIN)} queue watch --interval 0.3; stty -a`
        const child = spawn('script', ['-qfec', inner, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe']})
        let out = ''
        let drawn = false
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d
          if (!drawn && out.includes('arFindingAidJob')) {
            drawn = true
            // after the first frame, queue a job: the next frame highlights it; then press the key
            void withBinary(bed.servers[1], 2000, (b) =>
              b.submitBackground(bed.fn(jobClass), `tty-${name}`, '{}'),
            ).then(() => setTimeout(() => child.stdin.write(key), 1200))
          }
        })
        const code = await new Promise<number | null>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), 60_000)
          child.on('close', (c) => {
            clearTimeout(kill)
            resolve(c)
          })
        })
        assert.equal(code, 0, out)
        assert.match(out, /\u001B\[\?1049h\u001B\[\?25l/, 'took over the screen, hid the cursor')
        assert.match(out, new RegExp(`\u001B\\[7m${jobClass}`), 'the new function is highlighted')
        assert.match(out, /\u001B\[\?25h\u001B\[\?1049l/, 'cursor shown, screen restored')
        assert.match(out, /arFindingAidJob/)
        assert.match(out, /(^|\s)icanon\b/m)
        assert.match(out, /(^|\s)echo\b/m)
      },
    )
  }
})

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

describe('watch change detection', () => {
  const report = (rows: Array<[string, number, number, number]>): QueueStatusReport =>
    ({
      servers: [
        {
          server: 's:1',
          ok: true,
          hidden: 0,
          workers: 1,
          functions: rows.map(([fn, waiting, running, availableWorkers]) => ({
            function: fn,
            owner: 'none',
            install: 'no prefix',
            jobClass: fn,
            waiting,
            running,
            total: waiting + running,
            availableWorkers,
          })),
        },
      ],
    }) as unknown as QueueStatusReport

  test('changed fields, new and gone functions, sorted by waiting', () => {
    const first = diffRows(
      report([
        ['a', 0, 0, 1],
        ['b', 1, 0, 0],
        ['gone', 0, 0, 0],
      ]),
      undefined,
    )
    assert.ok(first.rows.every((r) => r.changed.length === 0))
    const second = diffRows(
      report([
        ['a', 3, 1, 1],
        ['b', 1, 0, 2],
        ['c', 0, 0, 0],
      ]),
      first.now,
    )
    assert.deepEqual(
      second.rows.map((r) => [r.function, r.changed]),
      [
        ['a', ['waiting', 'running']],
        ['b', ['availableWorkers']],
        ['c', ['new']],
      ],
    )
    assert.deepEqual(second.gone, [{server: 's:1', function: 'gone'}])
  })
})

import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {AdminConnection} from '../../../src/lib/gearman/admin-connection.js'
import {eachServer, GearmanAdmin, parseStatus, parseWorkers} from '../../../src/lib/gearman/admin.js'
import {
  BinaryConnection,
  decodePackets,
  encodePacket,
  PacketType,
  parseStatusRes,
  withBinary,
} from '../../../src/lib/gearman/binary.js'
import {
  GearmanClosedError,
  GearmanProtocolError,
  GearmanRefusedError,
  GearmanServerError,
  GearmanTimeoutError,
  GearmanUnreachableError,
} from '../../../src/lib/gearman/errors.js'
import {fetchServerView} from '../../../src/lib/gearman/view.js'
import {installWorkers} from '../../../src/lib/service/gearman-workers.js'
import {endlessLine, fakeServer} from '../../helpers/fake-server.js'
import {type RunningGearmand, startGearmand} from '../../support/testbed/gearmand.js'
import {freePort, startBlackhole, waitFor} from '../../support/testbed/processes.js'
import {type RunningWorker, startWorker, submitBackgroundJob} from '../../support/testbed/workers.js'

let dir: string
let g1: RunningGearmand
let g2: RunningGearmand
const workers: RunningWorker[] = []
const sockets: BinaryConnection[] = []

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atom-ops-gearman-'))
  g1 = await startGearmand(dir)
  g2 = await startGearmand(dir)
})
after(async () => {
  for (const s of sockets) s.close()
  for (const w of workers) await w.stop()
  await g1?.stop()
  await g2?.stop()
  await rm(dir, {recursive: true, force: true})
})

describe('admin text protocol against a real gearmand', () => {
  test('status, prioritystatus, workers, show jobs, show unique jobs, version and getpid parse what gearmand says', async () => {
    const w = await startWorker(g1, ['t1-idle', 't1-hang'], {command: ['sleep', '100000'], dir})
    workers.push(w)
    await submitBackgroundJob(g1, 't1-hang', 'x', 'u-hang')
    await submitBackgroundJob(g1, 't1-queued', 'y', 'u-queued')
    const admin = new GearmanAdmin(g1, 3000)
    const status = await waitFor('the hanging job to run', async () => {
      const s = await admin.status()
      return s.find((f) => f.function === 't1-hang')?.running === 1 ? s : undefined
    })
    const byName = Object.fromEntries(status.map((s) => [s.function, s]))
    assert.deepEqual(byName['t1-hang'], {function: 't1-hang', total: 1, running: 1, waiting: 0, availableWorkers: 1})
    assert.deepEqual(byName['t1-queued'], {
      function: 't1-queued',
      total: 1,
      running: 0,
      waiting: 1,
      availableWorkers: 0,
    })
    assert.deepEqual(byName['t1-idle'], {function: 't1-idle', total: 0, running: 0, waiting: 0, availableWorkers: 1})

    const prio = await admin.priorityStatus()
    assert.deepEqual(
      prio.find((p) => p.function === 't1-queued'),
      {function: 't1-queued', high: 0, normal: 1, low: 0, availableWorkers: 0},
    )

    const ws = await admin.workers()
    const mine = ws.filter((x) => x.functions.includes('t1-idle'))
    assert.equal(mine.length, 1)
    assert.deepEqual([...mine[0].functions].sort(), ['t1-hang', 't1-idle'])
    assert.equal(mine[0].address, '127.0.0.1')
    assert.equal(mine[0].clientId, undefined)
    assert.ok(
      ws.every((x) => x.functions.length > 0),
      'the admin connection itself is left out',
    )

    const jobs = await admin.showJobs()
    assert.equal(jobs.length, 2)
    for (const j of jobs) assert.match(j.handle, /^H:[^:]+:\d+$/)
    assert.deepEqual((await admin.showUniqueJobs()).sort(), ['u-hang', 'u-queued'])
    assert.match(await admin.version(), /^1\.1\.\d+/)
    assert.equal(await admin.getpid(), g1.pid)
  })

  test('ERR answers are typed server errors with the code and decoded text', async () => {
    const admin = new GearmanAdmin(g2, 2000)
    await assert.rejects(
      admin.session((c) => c.single('bogus')),
      (e: unknown) =>
        e instanceof GearmanServerError && e.code === 'UNKNOWN_COMMAND' && /Unknown server command/.test(e.text),
    )
    await assert.rejects(
      admin.cancelJob('H:nowhere:1'),
      (e: unknown) => e instanceof GearmanServerError && e.code === 'UNKNOWN_JOB',
    )
    await assert.rejects(
      admin.dropFunction('no-such-function'),
      (e: unknown) => e instanceof GearmanServerError && /not found/.test(e.message),
    )
    // a list command answered by ERR is an error, not a line of data
    await assert.rejects(
      admin.session((c) => c.list('show nothing')),
      GearmanServerError,
    )
  })

  test('a unique id that starts with "ERR " is data, not an error (ERR answers end in CRLF, list lines in LF)', async () => {
    await withBinary(g2, 2000, (b) => b.submitBackground('t2-err-unique', 'ERR looks like an error', 'w'))
    const uniques = await new GearmanAdmin(g2, 2000).showUniqueJobs()
    assert.ok(uniques.includes('ERR looks like an error'), JSON.stringify(uniques))
  })

  test('workers: client ids with spaces and function names with spaces come back intact', async () => {
    const conn = await BinaryConnection.open(g2, 2000)
    sockets.push(conn)
    conn.registerWorker(['t2 spaced name', 't2-plain'], 'my worker id')
    const admin = new GearmanAdmin(g2, 2000)
    const snap = await waitFor('the raw worker', async () => {
      const s = await admin.snapshot()
      return s.workers.some((w) => w.clientId === 'my worker id' && w.functions.length === 2) ? s : undefined
    })
    const w = snap.workers.find((x) => x.clientId === 'my worker id')!
    assert.deepEqual([...w.functions].sort(), ['t2 spaced name', 't2-plain'])
    // Every reader (queue's snapshot, doctor's and metrics' view, restart verification, workers()) splits it the same way.
    const view = await fetchServerView(g2, 2000)
    assert.deepEqual([...view.workers.find((x) => x.clientId === 'my worker id')!.functions].sort(), [
      't2 spaced name',
      't2-plain',
    ])
    assert.deepEqual([...(await admin.workers()).find((x) => x.clientId === 'my worker id')!.functions].sort(), [
      't2 spaced name',
      't2-plain',
    ])
    const [verification] = await installWorkers([g2], 't2', 2000)
    assert.equal(verification.classes.find((c) => c.function === 't2 spaced name')?.connections, 1)
    conn.close()
  })

  test('parsers: IPv6 peers as gearmand prints them, the admin line, and malformed lines as protocol errors', () => {
    const ws = parseWorkers([
      '38 ::6c69:7374:656e:5f63%846815552 - :',
      '39 127.0.0.1 cid 2 : a b',
      '40 127.0.0.1 - : x',
    ])
    assert.deepEqual(ws[0], {fd: 38, address: '::6c69:7374:656e:5f63%846815552', clientId: undefined, functions: []})
    assert.deepEqual(ws[1], {fd: 39, address: '127.0.0.1', clientId: 'cid 2', functions: ['a', 'b']})
    assert.throws(() => parseWorkers(['garbage']), GearmanProtocolError)
    assert.throws(() => parseStatus(['fn\t1\t0']), GearmanProtocolError)
    assert.throws(() => parseStatus(['fn\t1\t-1\t0']), GearmanProtocolError)
  })
})

describe('binary protocol', () => {
  test('ECHO, SUBMIT_JOB_BG (same unique id, same handle) and GET_STATUS against gearmand', async () => {
    await withBinary(g2, 2000, async (b) => {
      const ms = await b.echo('hello')
      assert.ok(ms >= 0 && ms < 2000)
      const h1 = await b.submitBackground('t3-bin', 'same-unique', 'payload')
      const h2 = await b.submitBackground('t3-bin', 'same-unique', 'other payload')
      assert.match(h1, /^H:/)
      assert.equal(h2, h1)
      assert.deepEqual(await b.getStatus(h1), {handle: h1, known: true, running: false, numerator: 0, denominator: 0})
      assert.equal((await b.getStatus('H:nowhere:99')).known, false)
      const many = await b.getStatuses([h1, 'H:nowhere:1', h1])
      assert.deepEqual(
        many.map((s) => s.known),
        [true, false, true],
      )
    })
  })

  test('packets split across chunks or coalesced decode; a bad magic is a protocol error', () => {
    const res = (type: number, body: string) => {
      const p = encodePacket(type, [body])
      p.write('\0RES', 0, 'latin1')
      return p
    }

    const both = Buffer.concat([res(PacketType.ECHO_RES, 'ping'), res(PacketType.JOB_CREATED, 'H:x:1')])
    const first = decodePackets(both.subarray(0, 15))
    assert.equal(first.packets.length, 0)
    const all = decodePackets(both)
    assert.deepEqual(
      all.packets.map((p) => [p.type, p.body.toString()]),
      [
        [17, 'ping'],
        [8, 'H:x:1'],
      ],
    )
    assert.equal(decodePackets(both.subarray(0, 20)).packets.length, 1)
    assert.throws(() => decodePackets(Buffer.from('HTTP/1.1 400 Bad')), GearmanProtocolError)
    // the denominator is text, not a byte (the npm "gearman" package reads one byte)
    assert.deepEqual(parseStatusRes(Buffer.from('H:x:1\u00001\u00001\u000042\u0000100')), {
      handle: 'H:x:1',
      known: true,
      running: true,
      numerator: 42,
      denominator: 100,
    })
  })
})

describe('failures are typed and bounded', () => {
  test('refused: GearmanRefusedError at once', async () => {
    const port = await freePort()
    await assert.rejects(
      new GearmanAdmin({host: '127.0.0.1', port}, 2000).status(),
      (e: unknown) =>
        e instanceof GearmanRefusedError &&
        e instanceof GearmanUnreachableError &&
        /refused/.test((e as Error).message),
    )
    await assert.rejects(
      withBinary({host: '127.0.0.1', port}, 2000, (b) => b.echo()),
      GearmanRefusedError,
    )
  })

  test('a blackholed server (accepts, never answers) times out within the timeout, text and binary', async () => {
    const hole = await startBlackhole()
    try {
      for (const call of [() => new GearmanAdmin(hole, 400).status(), () => withBinary(hole, 400, (b) => b.echo())]) {
        const t0 = Date.now()
        await assert.rejects(
          call(),
          (e: unknown) => e instanceof GearmanTimeoutError && /did not answer in time/.test((e as Error).message),
        )
        // it waited its deadline out (never less); how long past it is a matter for bench/, not this test
        const took = Date.now() - t0
        assert.ok(took >= 380, `took ${took} ms`)
      }
    } finally {
      await hole.close()
    }
  })

  test('a server that closes the connection: GearmanClosedError; one that speaks something else: GearmanProtocolError', async () => {
    const closer = await fakeServer((s) => s.destroy())
    const talker = await fakeServer((s) => s.on('data', () => s.write('HELLO there, this is not gearmand\r\n')))
    try {
      await assert.rejects(new GearmanAdmin({host: '127.0.0.1', port: closer.port}, 2000).status(), GearmanClosedError)
      await assert.rejects(
        new GearmanAdmin({host: '127.0.0.1', port: talker.port}, 2000).version(),
        GearmanProtocolError,
      )
      await assert.rejects(
        withBinary({host: '127.0.0.1', port: talker.port}, 2000, (b) => b.echo()),
        GearmanProtocolError,
      )
    } finally {
      await closer.close()
      await talker.close()
    }
  })

  test('a large answer arriving in many chunks is read to the "." line', async () => {
    const lines = Array.from({length: 5000}, (_, i) => `fn-${'x'.repeat(20)}-${i}\t${i}\t0\t1`)
    const big = await fakeServer((s) =>
      s.on('data', () => {
        const text = lines.join('\n') + '\n.\n'
        for (let i = 0; i < text.length; i += 997) s.write(text.slice(i, i + 997))
      }),
    )
    try {
      const st = await new GearmanAdmin({host: '127.0.0.1', port: big.port}, 3000).status()
      assert.equal(st.length, 5000)
      assert.equal(st[4999].total, 4999)
    } finally {
      await big.close()
    }
  })

  test('an endless line is refused at the answer size limit and the connection closed: 1 MiB for one line, 64 MiB for a list', async () => {
    let closed = 0
    const endless = await fakeServer(endlessLine(() => closed++))
    const server = {host: '127.0.0.1', port: endless.port}
    try {
      // A deadline far off: what ends these calls is the size of the answer.
      await assert.rejects(
        new GearmanAdmin(server, 120_000).version(),
        (e: unknown) =>
          e instanceof GearmanProtocolError &&
          /sent an answer to "version" larger than 1\.0 MiB$/.test((e as Error).message),
      )
      await assert.rejects(
        new GearmanAdmin(server, 120_000).status(),
        (e: unknown) =>
          e instanceof GearmanProtocolError &&
          /sent an answer to "status" larger than 64\.0 MiB$/.test((e as Error).message),
      )
      await assert.rejects(
        AdminConnection.open(server, 120_000).then((c) => c.list('workers')),
        (e: unknown) =>
          e instanceof GearmanProtocolError && /"workers" larger than 64\.0 MiB/.test((e as Error).message),
      )
      await waitFor('the server to see its three connections closed', async () => (closed === 3 ? true : undefined))
    } finally {
      await endless.close()
    }
  })

  test('data trickling in never extends the deadline: an unended line or a list without its "." times out', async () => {
    const trickle = (piece: string) =>
      fakeServer((s) =>
        s.once('data', () => {
          const timer = setInterval(() => s.write(piece), 20)
          s.on('close', () => clearInterval(timer))
        }),
      )
    const bytes = await trickle('x')
    const lines = await trickle('fn\t0\t0\t1\n')
    try {
      for (const [port, call] of [
        [bytes.port, (a: GearmanAdmin) => a.version()],
        [lines.port, (a: GearmanAdmin) => a.status()],
      ] as const) {
        const t0 = Date.now()
        await assert.rejects(call(new GearmanAdmin({host: '127.0.0.1', port}, 500)), GearmanTimeoutError)
        // it waited its deadline out, never less (how long past it is a matter for bench/)
        assert.ok(Date.now() - t0 >= 500)
      }
    } finally {
      await bytes.close()
      await lines.close()
    }
  })

  test('a binary packet announcing a body over 1 MiB is refused on its header, before the body is waited for', async () => {
    const header = Buffer.from([0, 0x52, 0x45, 0x53, 0, 0, 0, PacketType.ECHO_RES, 0xff, 0xff, 0xff, 0xf0])
    assert.throws(() => decodePackets(header), /larger than 1\.0 MiB \(a packet announcing 4\.00 GiB\)/)
    // The header alone, then silence: a deadline far off, so only the header can end the call.
    const liar = await fakeServer((s) => s.once('data', () => s.write(header)))
    try {
      await assert.rejects(
        withBinary({host: '127.0.0.1', port: liar.port}, 120_000, (b) => b.echo()),
        (e: unknown) =>
          e instanceof GearmanProtocolError &&
          /^Gearman job server 127\.0\.0\.1:\d+ sent an answer larger than 1\.0 MiB/.test((e as Error).message),
      )
    } finally {
      await liar.close()
    }
  })

  test('binary answers split anywhere and coalesced are read whole', async () => {
    const res = (type: number, body: string) => {
      const p = encodePacket(type, [body])
      p.write('\0RES', 0, 'latin1')
      return p
    }

    // ECHO_RES byte by byte, then two STATUS_RES in one write.
    const split = await fakeServer((s) => {
      let n = 0
      s.on('data', () => {
        if (n++ === 0) {
          const echo = res(PacketType.ECHO_RES, 'atom-ops')
          let i = 0
          const next = (): void => void (i < echo.length && s.write(echo.subarray(i, ++i), () => setImmediate(next)))
          next()
        } else if (n === 2)
          s.write(
            Buffer.concat([
              res(PacketType.STATUS_RES, 'H:a:1\u00001\u00000\u00000\u00000'),
              res(PacketType.STATUS_RES, 'H:a:2\u00000\u00000\u00000\u00000'),
            ]),
          )
      })
    })
    try {
      await withBinary({host: '127.0.0.1', port: split.port}, 10_000, async (b) => {
        await b.echo()
        assert.deepEqual(
          (await b.getStatuses(['H:a:1', 'H:a:2'])).map((st) => [st.handle, st.known]),
          [
            ['H:a:1', true],
            ['H:a:2', false],
          ],
        )
      })
    } finally {
      await split.close()
    }
  })

  test('servers are asked concurrently: a dead and a silent server never hide a live one', async () => {
    const hole = await startBlackhole()
    const dead = {host: '127.0.0.1', port: await freePort()}
    try {
      // Concurrent: the live servers answer before the silent one, listed before them, times out.
      const settled: string[] = []
      const res = await eachServer([dead, hole, g1, g2], (s) =>
        new GearmanAdmin(s, 600)
          .version()
          .finally(() => settled.push(s === hole ? 'silent' : s === dead ? 'dead' : 'live')),
      )
      assert.deepEqual(settled.slice(-1), ['silent'])
      assert.deepEqual(
        res.map((r) => r.ok),
        [false, false, true, true],
      )
      assert.ok(!res[0].ok && res[0].error instanceof GearmanRefusedError)
      assert.ok(!res[1].ok && res[1].error instanceof GearmanTimeoutError)
    } finally {
      await hole.close()
    }
  })

  test('AdminConnection refuses multi-line commands (no command injection)', async () => {
    const c = await AdminConnection.open(g2, 1000)
    try {
      await assert.rejects(c.single('version\r\nshutdown'), GearmanProtocolError)
    } finally {
      c.close()
    }
  })
})

describe('scale: 2,000 functions and 300 workers', () => {
  test('every function and every worker connection is parsed, each worker counted once', async (t) => {
    const g = await startGearmand(dir)
    const conns: BinaryConnection[] = []
    try {
      for (let i = 0; i < 300; i++) {
        const c = await BinaryConnection.open(g, 3000)
        conns.push(c)
        c.registerWorker(
          Array.from({length: 7}, (_, k) => `scale-fn-${(i * 7 + k) % 2000}`),
          `w${i}`,
        )
      }

      const admin = new GearmanAdmin(g, 5000)
      await waitFor(
        '2000 functions and 300 workers',
        async () => {
          const s = await admin.snapshot()
          return s.status.length === 2000 && s.workers.length === 300 ? true : undefined
        },
        20_000,
        100,
      )
      const t0 = process.hrtime.bigint()
      const snap = await admin.snapshot()
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      t.diagnostic(`status + workers of 2000 functions / 300 workers on one connection: ${ms.toFixed(1)} ms`)
      assert.equal(snap.status.length, 2000)
      assert.equal(new Set(snap.status.map((s) => s.function)).size, 2000)
      assert.equal(snap.workers.length, 300)
      assert.deepEqual(new Set(snap.workers.map((w) => w.clientId)).size, 300)
      assert.ok(snap.workers.every((w) => w.functions.length === 7))
      // per-function counts sum to 2100, not 300: why they are never summed
      assert.equal(
        snap.status.reduce((n, s) => n + s.availableWorkers, 0),
        2100,
      )
      assert.ok(ms < 3000, `took ${ms} ms`)
    } finally {
      for (const c of conns) c.close()
      await g.stop()
    }
  })
})

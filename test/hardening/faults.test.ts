import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {freePort, startBlackhole} from '../../src/testbed/processes.js'
import {TestBed} from '../../src/testbed/testbed.js'
import {type CliResult, runCli} from '../helpers/cli.js'

/**
 * Every command that talks to a service, against that service refused (nothing listens) and silent (a
 * listener that accepts and never answers): a clear message and its documented exit code, within
 * --timeout plus one second (plus the CLI's own start-up, measured here), never a hang.
 */
const TIMEOUT_S = 2

type Fault = 'refused' | 'silent'
interface Case {
  name: string
  args: (addr: string) => string[]
  /** Which service the address replaces. */
  service: 'gearman' | 'mysql' | 'memcached' | 'supervisor'
  code: number
  message: RegExp
  /** Checked on stdout instead of stderr (reports that show a down service as data). */
  stdout?: boolean
}

const G = (addr: string) => ['--gearman', addr]
const DB = (addr: string) => ['--db', `mysql://atom:secret-pw@${addr}/atom`]
const UNREACHABLE = /refused the connection|did not answer in time|did not answer|unreachable|timed out/i

const CASES: Case[] = [
  {name: 'queue status', service: 'gearman', args: (a) => ['queue', 'status', ...G(a)], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'queue workers', service: 'gearman', args: (a) => ['queue', 'workers', ...G(a)], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'queue jobs', service: 'gearman', args: (a) => ['queue', 'jobs', ...G(a)], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'queue ping', service: 'gearman', args: (a) => ['queue', 'ping', ...G(a)], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'queue watch', service: 'gearman', args: (a) => ['queue', 'watch', '--count', '1', ...G(a)], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'queue cancel', service: 'gearman', args: (a) => ['queue', 'cancel', 'H:vm:1', '--server', a, '--force', ...G(a)], code: 4, message: UNREACHABLE},
  {name: 'queue drop', service: 'gearman', args: (a) => ['queue', 'drop', 'x-arFindingAidJob', '--force', ...G(a)], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'cache clear --memcached', service: 'memcached', args: (a) => ['cache', 'clear', '--memcached-server', a, '--force'], code: 4, message: UNREACHABLE, stdout: true},
  {name: 'doctor (Gearman)', service: 'gearman', args: (a) => ['doctor', ...G(a)], code: 2, message: UNREACHABLE, stdout: true},
  {name: 'doctor (MySQL)', service: 'mysql', args: (a) => ['doctor', ...DB(a)], code: 2, message: /MySQL at .* did not answer/, stdout: true},
  {name: 'metrics (Gearman and MySQL)', service: 'gearman', args: (a) => ['metrics', ...G(a), ...DB(a)], code: 0, message: /atom_ops_gearman_up\{server="[^"]+"\} 0/, stdout: true},
]

let bed: TestBed
let startup = 0
let hole: Awaited<ReturnType<typeof startBlackhole>>
before(async () => {
  bed = await TestBed.start()
  hole = await startBlackhole()
  const t = Date.now()
  await runCli(['--version'])
  startup = Date.now() - t
})
after(async () => {
  await hole?.close()
  await bed?.stop()
})

async function address(fault: Fault): Promise<string> {
  return fault === 'refused' ? `127.0.0.1:${await freePort()}` : `127.0.0.1:${hole.port}`
}

describe('a service down or silent: clear message, documented code, bounded time', () => {
  for (const c of CASES) {
    for (const fault of ['refused', 'silent'] as const) {
      test(`${c.name}: ${c.service} ${fault}`, async () => {
        const addr = await address(fault)
        const began = Date.now()
        const r: CliResult = await runCli([...c.args(addr), '--timeout', String(TIMEOUT_S)], {env: bed.env(), timeoutMs: 30_000})
        const elapsed = Date.now() - began
        assert.equal(r.code, c.code, `exit code: ${r.stdout}\n${r.stderr}`)
        assert.match(c.stdout ? r.stdout + r.stderr : r.stderr, c.message)
        if (!c.stdout) assert.match(r.stderr, /^atom-ops: .*\n {2}hint: /)
        assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace')
        assert.ok(!(r.stdout + r.stderr).includes('secret-pw'), 'no password')
        // A silent service costs at most the timeout (several sequential waits would overrun it).
        const limit = TIMEOUT_S * 1000 + 1000 + startup * 1.5
        assert.ok(elapsed < limit, `took ${elapsed} ms, limit ${Math.round(limit)} ms (start-up ${startup} ms)`)
      })
    }
  }
})

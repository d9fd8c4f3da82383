/**
 * `jobs export` of 1,000,000 jobs (the built CLI): wall time and the CLI process's peak RSS (VmHWM
 * from /proc/<pid>/status, read until it exits). Target: < 150 MB.
 * Run: npm run build && npx tsx bench/jobs-export.ts [jobs] [formats...]   (default 1000000 csv ndjson; FORMAT:PAGESIZE sets the hidden --page-size)
 */
import {spawn} from 'node:child_process'
import {readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {seedMany} from '../test/commands/jobs/helpers.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI} from './lib.js'

const n = Number(process.argv[2] ?? 1_000_000)
const formats = process.argv.slice(3).length > 0 ? process.argv.slice(3) : ['csv', 'ndjson']
const bed = await TestBed.start()

function hwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

try {
  const s0 = Date.now()
  await seedMany(bed.database, n)
  console.log(`seeded ${n} jobs (one note each) in ${((Date.now() - s0) / 1000).toFixed(1)} s`)
  for (const spec of formats) {
    // FORMAT or FORMAT:PAGESIZE (the hidden --page-size), to compare page sizes in one run.
    const [format, pageSize] = spec.split(':')
    const file = join(bed.dir, `export.${format}`)
    const started = process.hrtime.bigint()
    const child = spawn(
      process.execPath,
      [CLI, 'jobs', 'export', '--format', format, '--output', file, ...(pageSize ? ['--page-size', pageSize] : [])],
      {env: {...process.env, ...bed.env()}, stdio: ['ignore', 'ignore', 'pipe']},
    )
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    let peak = 0
    const timer = setInterval(() => {
      peak = Math.max(peak, hwmKb(child.pid!) ?? 0)
    }, 20)
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    clearInterval(timer)
    const secs = Number(process.hrtime.bigint() - started) / 1e9
    if (code !== 0) throw new Error(`export exited ${code}: ${stderr}`)
    const mb = statSync(file).size / 1e6
    console.log(
      `${spec.padEnd(11)} ${n} jobs: ${secs.toFixed(1)} s, ${mb.toFixed(0)} MB written, peak RSS ${(peak / 1024).toFixed(0)} MB (target < 150 MB) ${peak / 1024 < 150 ? 'met' : 'MISSED'}`,
    )
  }
} finally {
  await bed.stop()
}

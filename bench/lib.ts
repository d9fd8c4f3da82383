import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))

/** Wall time of one run of a command, in ms (the command must succeed). */
export function timeRun(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint()
  const r = spawnSync(command, args, {env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

/** Median of n runs after one warm-up run (the file cache is warm for both sides alike). */
export function median(n: number, run: () => number): number {
  run()
  const times = Array.from({length: n}, run).sort((a, b) => a - b)
  return times[Math.floor(n / 2)]
}

export function row(label: string, ours: number, baseline: number, target: string): string {
  return `${label.padEnd(48)} ours ${ours.toFixed(1).padStart(8)} ms   baseline ${baseline.toFixed(1).padStart(8)} ms   ratio ${(ours / baseline).toFixed(2).padStart(6)}   target ${target}`
}

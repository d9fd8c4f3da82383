import {join} from 'node:path'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {formatHostPort, type HostPort} from '../../../src/lib/util/hostport.js'
import {isAlive, startProcess, stopProcess, waitFor} from './processes.js'

export interface RunningWorker {
  pid: number
  server: HostPort
  functions: string[]
  stop(): Promise<void>
}

/**
 * A real Gearman worker (`gearman -w` from gearman-tools) registering the given functions. The
 * default job command `cat` finishes each job at once; `['sleep', '100000']` makes a worker that
 * hangs on its job, like a stalled atom-worker. Ready when gearmand lists it.
 */
export async function startWorker(
  server: HostPort,
  functions: string[],
  options: {command?: string[]; dir?: string; detached?: boolean; wait?: boolean} = {},
): Promise<RunningWorker> {
  const args = ['-h', server.host, '-p', String(server.port), '-w']
  for (const f of functions) args.push('-f', f)
  args.push('--', ...(options.command ?? ['cat']))
  const admin = new GearmanAdmin(server, 1000)
  const before = options.wait === false ? 0 : (await admin.workers()).length
  const proc = startProcess(`worker:${formatHostPort(server)}`, 'gearman', args, {
    logFile: options.dir ? join(options.dir, 'workers.log') : undefined,
    detached: options.detached,
  })
  if (options.wait !== false) {
    await waitFor(`worker for ${functions[0]} on ${formatHostPort(server)}`, async () => {
      const workers = await admin.workers()
      return workers.length > before && workers.some((w) => functions.every((f) => w.functions.includes(f)))
        ? true
        : undefined
    })
  }

  return {pid: proc.pid, server, functions, stop: () => stopProcess(proc.pid)}
}

/**
 * Submits a background job with the gearman client tool and waits for it to return (it exits 0 even
 * when it could not connect, so callers check the effect in `status` themselves).
 */
export async function submitBackgroundJob(
  server: HostPort,
  fn: string,
  workload: string,
  unique?: string,
): Promise<void> {
  const args = ['-h', server.host, '-p', String(server.port), '-b', '-f', fn]
  if (unique) args.push('-u', unique)
  args.push('--', workload)
  const proc = startProcess(`submit:${fn}`, 'gearman', args)
  await waitFor(`gearman -b for ${fn} to return`, async () => (isAlive(proc.pid) ? undefined : true), 5000, 10)
}

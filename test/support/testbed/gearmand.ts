import {join} from 'node:path'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {type HostPort} from '../../../src/lib/util/hostport.js'
import {freePort, startProcess, stopProcess, waitFor} from './processes.js'

export interface RunningGearmand extends HostPort {
  pid: number
  logFile: string
  stop(): Promise<void>
}

/** A real gearmand on a free loopback port (Debian's gearman-job-server), ready when it answers `version`. */
export async function startGearmand(
  dir: string,
  options: {port?: number; detached?: boolean; extraArgs?: string[]} = {},
): Promise<RunningGearmand> {
  const port = options.port ?? (await freePort())
  const logFile = join(dir, `gearmand-${port}.log`)
  const proc = startProcess(
    `gearmand:${port}`,
    'gearmand',
    ['--listen=127.0.0.1', `--port=${port}`, `--log-file=${logFile}`, '--verbose=INFO', ...(options.extraArgs ?? [])],
    {
      logFile: join(dir, `gearmand-${port}.out`),
      detached: options.detached,
    },
  )
  const server = {host: '127.0.0.1', port}
  await waitFor(
    `gearmand on port ${port}`,
    async () => (await new GearmanAdmin(server, 500).version()) || undefined,
    10_000,
  )
  return {...server, pid: proc.pid, logFile, stop: () => stopProcess(proc.pid)}
}

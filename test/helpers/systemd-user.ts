import {spawn, spawnSync} from 'node:child_process'
import {chmod, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {isAlive, waitFor} from '../support/testbed/processes.js'

/**
 * A real systemd (Debian 12's 252) running as a user manager, for the worker tests. systemd cannot be
 * PID 1 here, and `systemd --user` refuses to start unless /run/systemd/system exists, so it runs in a
 * private mount namespace where that directory is a tmpfs of its own. `systemctl` on `path` is a shim
 * that enters that namespace (nsenter) and adds `--user`: the systemctl and the manager answering it
 * are the real ones. Units live in dir/config/systemd/user. Needs root and util-linux (unshare, nsenter).
 */
export interface UserSystemd {
  /** PATH with the systemctl shim first, for the CLI under test. */
  path: string
  /** Writes (or replaces) a unit file and reloads the manager. */
  writeUnit(name: string, text: string): Promise<void>
  /** Real systemctl --user with these arguments. */
  ctl(...args: string[]): {code: number | null; stdout: string; stderr: string}
  /** One property of a unit, as `systemctl show -p NAME --value` prints it. */
  property(unit: string, name: string): string
  stop(): Promise<void>
}

export function userSystemdAvailable(): boolean {
  if (process.getuid?.() !== 0) return false
  for (const tool of ['unshare', 'nsenter', 'systemctl'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return false
  return spawnSync('test', ['-x', '/lib/systemd/systemd']).status === 0
}

export async function startUserSystemd(dir: string): Promise<UserSystemd> {
  const runtime = join(dir, 'run')
  const config = join(dir, 'config')
  const bin = join(dir, 'bin')
  const unitDir = join(config, 'systemd', 'user')
  await mkdir(runtime, {recursive: true, mode: 0o700})
  await chmod(runtime, 0o700)
  await mkdir(unitDir, {recursive: true})
  await mkdir(bin, {recursive: true})
  const pidFile = join(dir, 'systemd.pid')
  await rm(pidFile, {force: true})
  const env = {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: config}
  // bash writes its own pid, then becomes systemd (exec): that pid is the manager, inside the namespace.
  const script = `mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/system && echo $$ > ${JSON.stringify(pidFile)} && exec /lib/systemd/systemd --user --log-target=console --log-level=notice`
  const child = spawn('unshare', ['--mount', '--fork', 'bash', '-c', script], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d))
  child.unref()
  const pid = await waitFor(
    'systemd --user to start',
    async () => {
      const text = await readFile(pidFile, 'utf8').catch(() => '')
      return /^\d+/.test(text) ? Number(text.trim()) : undefined
    },
    10_000,
  )

  const systemctl = spawnSync('sh', ['-c', 'command -v systemctl'], {encoding: 'utf8'}).stdout.trim()
  const shim = join(bin, 'systemctl')
  await writeFile(
    shim,
    `#!/bin/sh\nXDG_RUNTIME_DIR=${runtime} exec nsenter --mount=/proc/${pid}/ns/mnt -- ${systemctl} --user "$@"\n`,
  )
  await chmod(shim, 0o755)
  const ctl = (...args: string[]) => {
    const r = spawnSync(shim, args, {encoding: 'utf8', timeout: 30_000})
    return {code: r.status, stdout: r.stdout, stderr: r.stderr}
  }

  const stop = async () => {
    if (!isAlive(pid)) return
    ctl('stop', '*.service')
    process.kill(pid, 'SIGTERM')
    await waitFor('systemd --user to exit', async () => (isAlive(pid) ? undefined : true), 15_000).catch(() =>
      process.kill(pid, 'SIGKILL'),
    )
  }

  try {
    await waitFor(
      'systemd --user to answer',
      async () => (/^(running|degraded)/.test(ctl('is-system-running').stdout) ? true : undefined),
      15_000,
      100,
    )
  } catch (error) {
    await stop()
    throw new Error(`${(error as Error).message}: ${log}`)
  }

  return {
    path: `${bin}:${env.PATH}`,
    async writeUnit(name, text) {
      await writeFile(join(unitDir, name), text)
      const r = ctl('daemon-reload')
      if (r.code !== 0) throw new Error(`daemon-reload: ${r.stderr}`)
    },
    ctl,
    property: (unit, name) => ctl('show', '-p', name, '--value', unit).stdout.trim(),
    stop,
  }
}

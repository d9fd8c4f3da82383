import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync} from 'node:fs'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {connect} from 'node:net'
import {userInfo} from 'node:os'
import {join} from 'node:path'

import {freePort, startProcess, stopProcess, waitFor} from './processes.js'

export interface RunningSshd {
  pid: number
  host: string
  port: number
  user: string
  /** `ssh://user@127.0.0.1:PORT`: a --host value that carries the port. */
  destination: string
  /** ssh options without the port: identity, known-hosts file, strict checking, no user config. */
  sshOptions: string[]
  /** The same with `-p PORT`, for a plain `user@127.0.0.1` destination. */
  sshOptionsWithPort: string[]
  stop(): Promise<void>
}

function keygen(file: string, comment: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    stdio: 'ignore',
    timeout: 20_000,
  })
  if (r.status !== 0) throw new Error(`ssh-keygen failed for ${file}`)
}

/**
 * A real OpenSSH server on a free loopback port, with its own throwaway host key, user key,
 * authorized_keys and config (`-f`), in the foreground (`-D -e`): the machine's /etc/ssh is never
 * read or changed. Only key login for the current user. Debian's sshd needs its privilege-separation
 * directory /run/sshd; it is created (empty, as the sshd package's own unit does) when missing.
 */
export async function startSshd(dir: string, options: {detached?: boolean} = {}): Promise<RunningSshd> {
  await mkdir(dir, {recursive: true})
  const hostKey = join(dir, 'ssh_host_ed25519_key')
  const userKey = join(dir, 'id_ed25519')
  keygen(hostKey, 'atom-ops-testbed-host')
  keygen(userKey, 'atom-ops-testbed-user')
  await chmod(userKey, 0o600)
  const authorized = join(dir, 'authorized_keys')
  await writeFile(authorized, await readFile(`${userKey}.pub`), {mode: 0o600})
  const port = await freePort()
  const host = '127.0.0.1'
  const user = userInfo().username
  const config = join(dir, 'sshd_config')
  await writeFile(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `PermitRootLogin ${user === 'root' ? 'prohibit-password' : 'no'}`,
      `AllowUsers ${user}`,
      'StrictModes no',
      'UsePAM no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  )
  const knownHosts = join(dir, 'known_hosts')
  const hostPub = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ')
  await writeFile(knownHosts, `[${host}]:${port} ${hostPub}\n`)
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', {mode: 0o755, recursive: true})

  const proc = startProcess(`sshd:${port}`, '/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    logFile: join(dir, 'sshd.log'),
    detached: options.detached,
  })
  try {
    await waitFor(
      `sshd on port ${port}`,
      () =>
        new Promise<true | undefined>((resolve) => {
          const s = connect(port, host)
          s.setTimeout(1000)
          s.once('data', (d) => {
            s.destroy()
            resolve(String(d).startsWith('SSH-') ? true : undefined)
          })
          s.once('error', () => resolve(undefined))
          s.once('timeout', () => {
            s.destroy()
            resolve(undefined)
          })
        }),
      10_000,
      100,
    )
  } catch (error) {
    await stopProcess(proc.pid)
    throw new Error(`${(error as Error).message}\n${await readFile(join(dir, 'sshd.log'), 'utf8').catch(() => '')}`)
  }

  const sshOptions = [
    '-F',
    '/dev/null',
    '-i',
    userKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
  ]
  return {
    pid: proc.pid,
    host,
    port,
    user,
    destination: `ssh://${user}@${host}:${port}`,
    sshOptions,
    sshOptionsWithPort: ['-p', String(port), ...sshOptions],
    stop: () => stopProcess(proc.pid),
  }
}

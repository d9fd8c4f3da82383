import {Socket} from 'node:net'
import {userInfo} from 'node:os'

import {freePort, startProcess, stopProcess, waitFor} from './processes.js'

export interface RunningMemcached {
  host: string
  port: number
  pid: number
  /** One text-protocol command, the whole answer up to its terminator (tests set and get keys with it). */
  command(line: string, payload?: string): Promise<string>
  stop(): Promise<void>
}

function talk(host: string, port: number, text: string, done: (buffer: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    let buffer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`memcached ${host}:${port}: no answer`))
    }, 3000)
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      buffer += d
      if (done(buffer)) {
        clearTimeout(timer)
        socket.destroy()
        resolve(buffer)
      }
    })
    socket.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    socket.connect(port, host, () => socket.write(text))
  })
}

/** A real memcached on a free loopback port (UDP off, 16 MB), ready when it answers `version`. */
export async function startMemcached(options: {detached?: boolean; logFile?: string} = {}): Promise<RunningMemcached> {
  const host = '127.0.0.1'
  const port = await freePort()
  const args = ['-l', host, '-p', String(port), '-U', '0', '-m', '16']
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', userInfo().username)
  const proc = startProcess(`memcached:${port}`, 'memcached', args, {
    logFile: options.logFile,
    detached: options.detached,
  })
  const command = (line: string, payload?: string) =>
    talk(host, port, `${line}\r\n${payload === undefined ? '' : `${payload}\r\n`}`, (b) =>
      /(^|\r\n)(END|STORED|NOT_STORED|OK|DELETED|NOT_FOUND|ERROR|VERSION [^\r]*|CLIENT_ERROR[^\r]*|SERVER_ERROR[^\r]*)\r\n$/.test(
        b,
      ),
    )
  try {
    await waitFor(
      `memcached on port ${port}`,
      async () => ((await command('version')).startsWith('VERSION') ? true : undefined),
      10_000,
    )
  } catch (error) {
    await stopProcess(proc.pid)
    throw error
  }

  return {host, port, pid: proc.pid, command, stop: () => stopProcess(proc.pid)}
}

import {Socket} from 'node:net'

import {formatHostPort, type HostPort} from '../util/hostport.js'
import {GearmanServerError, GearmanUnreachableError} from './errors.js'

/**
 * One TCP connection speaking gearmand's administrative text protocol. Commands are sent one at a
 * time; every wait (connect, each answer) is bounded by the deadline given at open. The socket is
 * always destroyed by close(), so no handle keeps the process alive.
 */
export class AdminConnection {
  private buffer = ''
  private waiter?: () => void
  private failure?: Error
  private readonly deadline: number

  private constructor(
    private readonly socket: Socket,
    readonly server: HostPort,
    timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      this.buffer += chunk
      this.waiter?.()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= networkError(server, error)
      this.waiter?.()
    })
    socket.on('close', () => {
      this.failure ??= new GearmanUnreachableError(server, 'closed', '')
      this.waiter?.()
    })
  }

  static open(server: HostPort, timeoutMs: number): Promise<AdminConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket()
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new GearmanUnreachableError(server, 'timeout', `no TCP connection within ${timeoutMs} ms`))
      }, timeoutMs)
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        socket.destroy()
        reject(networkError(server, error))
      })
      socket.connect(server.port, server.host, () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        socket.setNoDelay(true)
        resolve(new AdminConnection(socket, server, timeoutMs))
      })
    })
  }

  /** Sends a command answered by lines ending with a lone ".". Returns the lines before it. */
  async list(command: string): Promise<string[]> {
    this.send(command)
    const lines: string[] = []
    for (;;) {
      const line = await this.readLine(command)
      if (line === '.') return lines
      if (lines.length === 0 && line.startsWith('ERR ') && !line.includes('\t')) throw this.serverError(command, line)
      lines.push(line)
    }
  }

  /** Sends a command answered by one line (`OK ...` or `ERR ...`). Returns the text after OK. */
  async single(command: string): Promise<string> {
    this.send(command)
    const line = await this.readLine(command)
    if (line.startsWith('ERR')) throw this.serverError(command, line)
    if (line === 'OK') return ''
    if (line.startsWith('OK ')) return line.slice(3)
    return line
  }

  close(): void {
    this.socket.destroy()
  }

  private send(command: string): void {
    if (/[\r\n]/.test(command)) throw new Error('Gearman admin commands are one line')
    // CRLF: gearmand 1.1.20 drops the last character of some LF-only commands.
    this.socket.write(command + '\r\n')
  }

  private async readLine(command: string): Promise<string> {
    for (;;) {
      const nl = this.buffer.indexOf('\n')
      if (nl >= 0) {
        const line = this.buffer.slice(0, nl).replace(/\r$/, '')
        this.buffer = this.buffer.slice(nl + 1)
        return line
      }
      if (this.failure) throw this.failure
      const left = this.deadline - Date.now()
      if (left <= 0) {
        this.socket.destroy()
        throw new GearmanUnreachableError(this.server, 'timeout', `no answer to "${command.split(' ')[0]}"`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiter = () => {
          clearTimeout(timer)
          this.waiter = undefined
          resolve()
        }
      })
    }
  }

  private serverError(command: string, line: string): GearmanServerError {
    const [, code = 'ERR', ...rest] = line.split(' ')
    let text = rest.join(' ')
    try {
      text = decodeURIComponent(text.replace(/\+/g, ' '))
    } catch {
      // keep the raw text
    }
    return new GearmanServerError(this.server, command, code, text)
  }
}

function networkError(server: HostPort, error: NodeJS.ErrnoException): GearmanUnreachableError {
  if (error.code === 'ECONNREFUSED') return new GearmanUnreachableError(server, 'refused', '')
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return new GearmanUnreachableError(server, 'closed', error.code)
  return new GearmanUnreachableError(server, 'network', error.code ?? error.message)
}

export function serverLabel(server: HostPort): string {
  return formatHostPort(server)
}

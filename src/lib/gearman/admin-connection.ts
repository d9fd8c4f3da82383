import type {Socket} from 'node:net'

import {formatHostPort, type HostPort} from '../util/hostport.js'
import {DeadlineSocket} from './deadline-socket.js'
import {GearmanProtocolError, GearmanServerError} from './errors.js'

/** A rogue or broken server must not make atom-ops buffer without bound. */
const MAX_ANSWER_CHARS = 64 * 1024 * 1024

interface Line {
  text: string
  /** ERR answers end in CRLF, list lines in LF only: this tells an error from a unique id that starts with "ERR ". */
  crlf: boolean
}

/**
 * One TCP connection speaking gearmand's administrative text protocol. Commands are sent one at a
 * time; every wait (connect, each answer) is bounded by the deadline given at open.
 */
export class AdminConnection extends DeadlineSocket {
  private buffer = ''
  private pos = 0

  private constructor(socket: Socket, server: HostPort, deadline: number) {
    super(socket, server, deadline)
    socket.setEncoding('utf8')
  }

  /** Connects within timeoutMs; the same budget bounds every later answer on this connection. */
  static open(server: HostPort, timeoutMs: number): Promise<AdminConnection> {
    return DeadlineSocket.connect(server, timeoutMs, (socket, deadline) => new AdminConnection(socket, server, deadline))
  }

  protected receive(chunk: Buffer | string): void {
    this.buffer += chunk
    if (this.buffer.length - this.pos > MAX_ANSWER_CHARS) {
      throw new GearmanProtocolError(`Gearman job server ${formatHostPort(this.server)} sent more than ${MAX_ANSWER_CHARS} characters without ending its answer`)
    }
  }

  /** Sends a command answered by lines ending with a lone ".". Returns the lines before it. */
  async list(command: string): Promise<string[]> {
    this.send(command)
    const lines: string[] = []
    for (;;) {
      const line = await this.readLine(command)
      if (line.text === '.' && !line.crlf) return lines
      if (lines.length === 0 && line.crlf && line.text.startsWith('ERR')) throw this.serverError(command, line.text)
      lines.push(line.text)
    }
  }

  /** Sends a command answered by one line (`OK ...` or `ERR ...`). Returns the text after OK. */
  async single(command: string): Promise<string> {
    this.send(command)
    const {text} = await this.readLine(command)
    if (text === 'ERR' || text.startsWith('ERR ')) throw this.serverError(command, text)
    if (text === 'OK') return ''
    if (text.startsWith('OK ')) return text.slice(3)
    throw new GearmanProtocolError(`Gearman job server ${formatHostPort(this.server)} answered "${command.split(' ')[0]}" with ${JSON.stringify(text.slice(0, 80))}, not OK or ERR`)
  }

  private send(command: string): void {
    if (/[\r\n]/.test(command)) throw new GearmanProtocolError('Gearman admin commands are one line')
    // CRLF: gearmand 1.1.20 drops the last character of some LF-only commands.
    this.socket.write(command + '\r\n')
  }

  private async readLine(command: string): Promise<Line> {
    for (;;) {
      const nl = this.buffer.indexOf('\n', this.pos)
      if (nl >= 0) {
        const crlf = nl > this.pos && this.buffer.charCodeAt(nl - 1) === 13
        const text = this.buffer.slice(this.pos, crlf ? nl - 1 : nl)
        this.pos = nl + 1
        if (this.pos > 1 << 20) {
          this.buffer = this.buffer.slice(this.pos)
          this.pos = 0
        }
        return {text, crlf}
      }
      await this.waitForData(`no complete answer to "${command.split(' ')[0]}"`)
    }
  }

  private serverError(command: string, line: string): GearmanServerError {
    const [, code = '', ...rest] = line.split(' ')
    let text = rest.join(' ')
    try {
      text = decodeURIComponent(text.replace(/\+/g, ' '))
    } catch {
      // keep the raw text
    }
    return new GearmanServerError(this.server, command, code, text)
  }
}

export function serverLabel(server: HostPort): string {
  return formatHostPort(server)
}

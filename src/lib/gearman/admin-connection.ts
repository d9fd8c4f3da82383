import type {Socket} from 'node:net'

import {formatBytes} from '../util/bytes.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'
import {DeadlineSocket} from './deadline-socket.js'
import {GearmanProtocolError, GearmanServerError} from './errors.js'

/**
 * The most bytes one answer may take; more is refused (GearmanProtocolError) and the connection closed,
 * so a rogue or broken server cannot make atom-ops buffer without bound. Every byte counts, an unended
 * line included.
 *
 * A list (`status`, `workers`, `show jobs`, ...): 64 MiB. The largest real answer we know is `workers`
 * on the benchmark fixture (300 workers each registering 2,000 functions of ~45 bytes: ~27 MB); the
 * other lists are smaller per entry (a `show jobs` line is ~30 bytes: 64 MiB is two million jobs).
 * A one-line answer (`version`, `getpid`, `OK ...`, `ERR ...`): 1 MiB, for text of under 100 bytes.
 */
const MAX_LIST_ANSWER_BYTES = 64 * 1024 * 1024
const MAX_LINE_ANSWER_BYTES = 1024 * 1024

interface Line {
  text: string
  /** ERR answers end in CRLF, list lines in LF only: this tells an error from a unique id that starts with "ERR ". */
  crlf: boolean
}

/**
 * One TCP connection speaking gearmand's administrative text protocol. Commands are sent one at a
 * time; every wait (connect, each answer) is bounded by the deadline given at open, and each answer
 * by its size. What arrives is split into lines as it comes: each byte is looked at once, and a line
 * still open is kept as its pieces, joined when its newline arrives.
 */
export class AdminConnection extends DeadlineSocket {
  private readonly lines: Line[] = []
  private nextLine = 0
  private partial: Buffer[] = []
  /** The command being answered, the bytes received since it was sent, and its limit. */
  private command = ''
  private received = 0
  private limit = MAX_LINE_ANSWER_BYTES

  private constructor(socket: Socket, server: HostPort, deadline: number) {
    super(socket, server, deadline)
  }

  /** Connects within timeoutMs; the same budget bounds every later answer on this connection. */
  static open(server: HostPort, timeoutMs: number): Promise<AdminConnection> {
    return DeadlineSocket.connect(
      server,
      timeoutMs,
      (socket, deadline) => new AdminConnection(socket, server, deadline),
    )
  }

  protected receive(chunk: Buffer): void {
    this.received += chunk.length
    if (this.received > this.limit) {
      const name = this.command.split(' ')[0]
      throw new GearmanProtocolError(
        `Gearman job server ${formatHostPort(this.server)} sent an answer to "${name}" larger than ${formatBytes(this.limit)}`,
      )
    }

    let start = 0
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      const bytes = this.partial.length > 0 ? Buffer.concat([...this.partial, piece]) : piece
      this.partial = []
      // \n never occurs inside a UTF-8 sequence, so each line decodes on its own.
      const crlf = bytes.length > 0 && bytes[bytes.length - 1] === 13
      this.lines.push({text: bytes.toString('utf8', 0, crlf ? bytes.length - 1 : bytes.length), crlf})
      start = nl + 1
    }

    if (start < chunk.length) this.partial.push(chunk.subarray(start))
  }

  /** Sends a command answered by lines ending with a lone ".". Returns the lines before it. */
  async list(command: string): Promise<string[]> {
    this.send(command, MAX_LIST_ANSWER_BYTES)
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
    this.send(command, MAX_LINE_ANSWER_BYTES)
    const {text} = await this.readLine(command)
    if (text === 'ERR' || text.startsWith('ERR ')) throw this.serverError(command, text)
    if (text === 'OK') return ''
    if (text.startsWith('OK ')) return text.slice(3)
    throw new GearmanProtocolError(
      `Gearman job server ${formatHostPort(this.server)} answered "${command.split(' ')[0]}" with ${JSON.stringify(text.slice(0, 80))}, not OK or ERR`,
    )
  }

  private send(command: string, limit: number): void {
    if (/[\r\n]/.test(command)) throw new GearmanProtocolError('Gearman admin commands are one line')
    this.command = command
    this.received = 0
    this.limit = limit
    // CRLF: gearmand 1.1.20 drops the last character of some LF-only commands.
    this.socket.write(command + '\r\n')
  }

  private async readLine(command: string): Promise<Line> {
    for (;;) {
      if (this.nextLine < this.lines.length) {
        const line = this.lines[this.nextLine++]
        if (this.nextLine === this.lines.length) {
          this.lines.length = 0
          this.nextLine = 0
        }

        return line
      }

      await this.waitForData(`no complete answer to "${command.split(' ')[0]}"`)
    }
  }

  private serverError(command: string, line: string): GearmanServerError {
    const [, code = '', ...rest] = line.split(' ')
    let text = rest.join(' ')
    try {
      text = decodeURIComponent(text.replaceAll('+', ' '))
    } catch {
      // keep the raw text
    }

    return new GearmanServerError(this.server, command, code, text)
  }
}

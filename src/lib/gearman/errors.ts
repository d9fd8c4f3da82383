import {Socket} from 'node:net'

import {OperationError, UnreachableError} from '../errors.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'

export type UnreachableReason = 'refused' | 'timeout' | 'closed' | 'network'

/** The server refused, reset, closed or did not answer in time. Each reason has its own subclass below. */
export class GearmanUnreachableError extends UnreachableError {
  readonly reason: UnreachableReason
  readonly server: HostPort

  constructor(server: HostPort, reason: UnreachableReason, detail: string) {
    const where = formatHostPort(server)
    const text = {
      refused: `Gearman job server ${where} refused the connection`,
      timeout: `Gearman job server ${where} did not answer in time (${detail})`,
      closed: `Gearman job server ${where} closed the connection${detail ? ` (${detail})` : ''}`,
      network: `Gearman job server ${where} is unreachable (${detail})`,
    }[reason]
    const hint =
      reason === 'timeout'
        ? 'The server accepts connections but is silent: check gearmand (systemctl status gearman-job-server) or raise --timeout.'
        : 'Is gearmand running (systemctl status gearman-job-server)? Check the address in gearman.yml or --gearman.'
    super('gearman', text, hint)
    this.reason = reason
    this.server = server
  }
}

/** ECONNREFUSED: nothing listens on that port (gearmand down or another port). */
export class GearmanRefusedError extends GearmanUnreachableError {
  constructor(server: HostPort) {
    super(server, 'refused', '')
  }
}

/** The connection or an answer did not come within the deadline (a hung or blackholed server). */
export class GearmanTimeoutError extends GearmanUnreachableError {
  constructor(server: HostPort, detail: string) {
    super(server, 'timeout', detail)
  }
}

/** The server closed or reset the connection before the answer was complete. */
export class GearmanClosedError extends GearmanUnreachableError {
  constructor(server: HostPort, detail = '') {
    super(server, 'closed', detail)
  }
}

/** Any other network failure (unknown host, no route, ...). */
export class GearmanNetworkError extends GearmanUnreachableError {
  constructor(server: HostPort, detail: string) {
    super(server, 'network', detail)
  }
}

/** Maps a socket error to its typed error. */
export function networkError(server: HostPort, error: NodeJS.ErrnoException): GearmanUnreachableError {
  if (error.code === 'ECONNREFUSED') return new GearmanRefusedError(server)
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return new GearmanClosedError(server, error.code)
  return new GearmanNetworkError(server, error.code ?? error.message)
}

/** The server answered `ERR CODE text` (text protocol) or an ERROR packet (binary protocol). */
export class GearmanServerError extends OperationError {
  readonly code: string
  readonly text: string

  constructor(server: HostPort, command: string, code: string, text: string) {
    super(
      `Gearman job server ${formatHostPort(server)} answered "${command.split(' ')[0]} ...": ${[code, text].filter(Boolean).join(' ')}`,
      'Check the name or handle; `atom-ops queue status --all` lists what the server knows.',
    )
    this.code = code
    this.text = text
  }
}

/** The server's answer does not have the documented shape (or it is not a gearmand at all). */
export class GearmanProtocolError extends OperationError {
  constructor(message: string) {
    super(message, 'Is this address a gearmand job server? atom-ops speaks the protocol of gearmand 1.1.')
  }
}

/** A TCP connection to a job server within timeoutMs, Nagle off; refusals and timeouts become typed errors. */
export function connectSocket(server: HostPort, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new GearmanTimeoutError(server, `no TCP connection within ${timeoutMs} ms`))
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
      resolve(socket)
    })
  })
}

import {OperationError, UnreachableError} from '../errors.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'

/** The server refused, reset, closed or did not answer in time. */
export class GearmanUnreachableError extends UnreachableError {
  readonly reason: 'refused' | 'timeout' | 'closed' | 'network'
  constructor(server: HostPort, reason: GearmanUnreachableError['reason'], detail: string) {
    const where = formatHostPort(server)
    const text = {
      refused: `Gearman job server ${where} refused the connection`,
      timeout: `Gearman job server ${where} did not answer in time (${detail})`,
      closed: `Gearman job server ${where} closed the connection`,
      network: `Gearman job server ${where} is unreachable (${detail})`,
    }[reason]
    const hint =
      reason === 'timeout'
        ? 'The server accepts connections but is silent: check gearmand (systemctl status gearman-job-server) or raise --timeout.'
        : 'Is gearmand running (systemctl status gearman-job-server)? Check the address in gearman.yml or --gearman.'
    super('gearman', text, hint)
    this.reason = reason
  }
}

/** The server answered `ERR CODE text`. */
export class GearmanServerError extends OperationError {
  readonly code: string
  readonly text: string
  constructor(server: HostPort, command: string, code: string, text: string) {
    super(`Gearman job server ${formatHostPort(server)} answered "${command.split(' ')[0]} ...": ${code} ${text}`, 'Check the name or handle; `atom-ops queue status --all` lists what the server knows.')
    this.code = code
    this.text = text
  }
}

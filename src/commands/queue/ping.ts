import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag} from '../../cli/flags.js'
import {queuePing, type QueuePingReport} from '../../lib/queue/inspect.js'
import {QUEUE_PING_COLUMNS, renderQueuePing} from '../../ui/queue.js'

export default class QueuePing extends BaseCommand<typeof QueuePing> {
  static summary = 'ECHO round trip to every job server, with its gearmand version and pid.'
  static description = `Sends an ECHO packet (binary protocol) to every server concurrently and times the answer, then asks "version" and "getpid". Every step is bounded by --timeout; a refused, closed or silent server is reported as DOWN with the reason.

${exitCodesHelp('queue:ping')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --gearman 127.0.0.1:4730 --timeout 2 --json',
  ]
  static flags = {
    columns: columnsFlag(QUEUE_PING_COLUMNS),
  }

  async run(): Promise<QueuePingReport> {
    const report = await queuePing(await this.settings())
    this.setExitCode(report.exitCode)
    return this.output(report, renderQueuePing)
  }
}

import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag} from '../../cli/flags.js'
import {queueWorkers, type QueueWorkersReport} from '../../lib/queue/inspect.js'
import {QUEUE_WORKERS_COLUMNS, renderQueueWorkers} from '../../ui/queue.js'

export default class QueueWorkers extends BaseCommand<typeof QueueWorkers> {
  static summary = 'Worker connections per job server: fd, address, client id and the functions each registered.'
  static description = `Lists gearmand's "workers" of every server: each connection once, however many functions it registered (never a sum of per-function counts), with its functions decoded to install and job class. The asking connection itself is left out. By default only connections with at least one function of this install; --all shows every connection.

${exitCodesHelp('queue:workers')}`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json']
  static flags = {
    columns: columnsFlag(QUEUE_WORKERS_COLUMNS),
    all: Flags.boolean({summary: 'Show every worker connection, not only those of this install.'}),
  }

  async run(): Promise<QueueWorkersReport> {
    const report = await queueWorkers(await this.settings(), {all: this.flags.all})
    this.setExitCode(report.exitCode)
    return this.output(report, renderQueueWorkers)
  }
}

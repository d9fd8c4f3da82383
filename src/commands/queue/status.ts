import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag} from '../../cli/flags.js'
import {queueStatus, type QueueStatusReport} from '../../lib/queue/inspect.js'
import {QUEUE_STATUS_COLUMNS, renderQueueStatus} from '../../ui/queue.js'

export default class QueueStatus extends BaseCommand<typeof QueueStatus> {
  static summary = 'Waiting and running jobs and available workers per function, on every job server.'
  static description = `Asks every job server (gearman.yml, a profile or --gearman) concurrently, each bounded by --timeout. Each function is decoded to its AtoM install (this install, another configured profile by name, or "unknown prefix") and its job class. Waiting = total - running. The workers column is gearmand's per-function count: a worker registered for 18 functions counts in each row (queue workers counts connections).

By default only this install's functions are shown; --all shows every function. A server that refuses, closes or stays silent is listed as DOWN with its error; the others are still reported.

${exitCodesHelp('queue:status')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all',
    '<%= config.bin %> <%= command.id %> --gearman 10.0.0.5:4730 --gearman 10.0.0.6:4730 --all --json',
  ]
  static flags = {
    columns: columnsFlag(QUEUE_STATUS_COLUMNS),
    all: Flags.boolean({summary: 'Show the functions of every install (and of none), not only this one.'}),
  }

  async run(): Promise<QueueStatusReport> {
    const report = await queueStatus(await this.settings(), {all: this.flags.all})
    this.setExitCode(report.exitCode)
    return this.output(report, renderQueueStatus)
  }
}

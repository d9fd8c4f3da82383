import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag} from '../../cli/flags.js'
import {queueJobs, type QueueJobsReport} from '../../lib/queue/inspect.js'
import {QUEUE_JOBS_COLUMNS, renderQueueJobs} from '../../ui/queue.js'

export default class QueueJobs extends BaseCommand<typeof QueueJobs> {
  static summary = 'Job handles and unique ids held by every job server, each job waiting or running.'
  static description = `Reads "show jobs" and "show unique jobs" of every server and asks GET_STATUS for each handle, so each job is shown as waiting or running (gearmand's own job_queued flag does not tell them apart), with its retry count and whether it was cancelled. gearmand does not say which function a handle belongs to, so jobs of every install are listed. Use a handle with queue cancel.

${exitCodesHelp('queue:jobs')}`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static flags = {
    columns: columnsFlag(QUEUE_JOBS_COLUMNS),
  }

  async run(): Promise<QueueJobsReport> {
    const report = await queueJobs(await this.settings())
    this.setExitCode(report.exitCode)
    return this.output(report, renderQueueJobs)
  }
}

import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {type JobDetails, showJob} from '../../lib/jobs/show.js'
import {parseId} from '../../lib/util/duration.js'
import {renderJobDetails} from '../../ui/jobs.js'

export default class JobsShow extends BaseCommand<typeof JobsShow> {
  static summary =
    'Show one job: its row, notes, output, properties, download file and what Gearman says about its function.'
  static description = exitCodesHelp('jobs:show')
  static examples = ['<%= config.bin %> <%= command.id %> 1234', '<%= config.bin %> <%= command.id %> 1234 --json']
  static args = {id: Args.string({required: true, description: 'The job id (as `jobs list` shows it).'})}

  async run(): Promise<JobDetails> {
    const id = parseId(this.args.id, 'job id')
    const result = await withJobsSession(await this.settings(), {}, (ctx) => showJob(ctx, id))
    return this.output(result, renderJobDetails)
  }
}

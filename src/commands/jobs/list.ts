import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag, filterFlags, filterFromFlags} from '../../cli/flags.js'
import {UsageError} from '../../lib/errors.js'
import {type JobList, listJobs, parseSort} from '../../lib/jobs/query.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {JOB_LIST_COLUMNS, jobListCsv, renderJobList} from '../../ui/jobs.js'

export default class JobsList extends BaseCommand<typeof JobsList> {
  static summary = 'List job rows with filters: status, class, user, age; as a table, JSON or CSV.'
  static description =
    'Every filter combines with the others (AND); repeated --status or --name values widen (OR). Columns: id, name, status, user, started, completed, duration (or age while in progress) and the related description or actor.' +
    '\n\n' +
    'With --csv, cells are neutralised for spreadsheets and terminals as `jobs export` does (control characters written as text such as \\u001b, a leading single quote on a cell starting with =, +, -, @, tab or CR); --raw writes them exactly as stored.' +
    '\n\n' +
    exitCodesHelp('jobs:list')
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --status error --older-than 7d',
    '<%= config.bin %> <%= command.id %> --status completed --status error --name arFindingAidJob --sort -duration --limit 20',
    '<%= config.bin %> <%= command.id %> --user none --csv',
  ]
  static flags = {
    ...filterFlags,
    limit: Flags.integer({
      summary: 'At most this many rows, 0 to 1000000 (0 = all).',
      default: 50,
      min: 0,
      max: 1_000_000,
    }),
    sort: Flags.string({
      summary: 'Sort by id, name, status, user, started, completed or duration; prefix - for descending.',
      default: '-id',
    }),
    columns: columnsFlag(JOB_LIST_COLUMNS),
    csv: Flags.boolean({
      summary: 'Print CSV instead of a table (cells neutralised for spreadsheets: see --raw).',
      exclusive: ['json'],
    }),
    raw: Flags.boolean({
      summary:
        'With --csv: write cells exactly as stored: no formula or control-character neutralising; for programs, not spreadsheets.',
      dependsOn: ['csv'],
    }),
  }

  async run(): Promise<JobList> {
    const {flags} = this
    const filter = filterFromFlags(flags)
    const sort = parseSort(flags.sort)
    if (flags.csv && this.jsonEnabled()) throw new UsageError('--csv and --json cannot be used together')
    const result = await withJobsSession(await this.settings(), {}, (ctx) =>
      listJobs(ctx.db, ctx.clock, {filter, sort, limit: flags.limit, knownClasses: ctx.jobClasses}),
    )
    if (flags.csv) {
      process.stdout.write(jobListCsv(result, {raw: flags.raw}))
      return result
    }

    return this.output(result, renderJobList)
  }
}

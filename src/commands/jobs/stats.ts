import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {jobsStats, type JobsStatsReport, type StatsBucket} from '../../lib/jobs/stats.js'
import {parseDuration} from '../../lib/util/duration.js'
import {renderJobsStats} from '../../ui/stats.js'

export default class JobsStats extends BaseCommand<typeof JobsStats> {
  static summary =
    'Job flow per class over a window: counts by status, failure rate, durations, jobs per day with a sparkline, the oldest in progress, the fastest-growing classes.'
  static description = `Computed in MariaDB: the window becomes a primary-key range (job ids follow creation times), then two grouped scans of it, run concurrently: counts by class, status and day or week (and the growth from the earlier half of the window to the later one), and the completed jobs' durations (start to completion) by class, from which the median, 95th percentile and longest are read. Each query may run --query-timeout seconds (default 120; a million rows took 15 s on a busy two-core machine, see bench/README.md). The window and the days are on AtoM's clock (its rows hold its wall times). The oldest in-progress row of each class is shown however old it is. A duration is a wall-time difference: a job that ran across a DST change is off by the change.

${exitCodesHelp('jobs:stats')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 90d --by week',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static flags = {
    since: Flags.string({default: '30d', summary: 'The window: jobs started within this (7d, 30d, 12w).'}),
    by: Flags.string({
      options: ['day', 'week'],
      default: 'day',
      summary: 'Bucket of the per-class series and sparkline.',
    }),
    'query-timeout': Flags.integer({
      min: 1,
      max: 3600,
      default: 120,
      summary:
        "Seconds each query may run (they scan the window's rows: seconds per million on a busy server); --timeout still bounds the connection.",
    }),
  }

  async run(): Promise<JobsStatsReport> {
    const sinceMs = parseDuration(this.flags.since, '--since')
    const report = await withJobsSession(
      await this.settings(),
      {statementTimeoutMs: this.flags['query-timeout'] * 1000},
      (ctx) => jobsStats(ctx.db, ctx.clock, {sinceMs, by: this.flags.by as StatsBucket}),
    )
    return this.output(report, renderJobsStats)
  }
}

import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag} from '../../cli/flags.js'
import {ExitCode} from '../../lib/errors.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {findStalled, type StalledReport} from '../../lib/jobs/stalled.js'
import {parseDuration} from '../../lib/util/duration.js'
import {renderStalled, STALLED_COLUMNS} from '../../ui/jobs.js'

export default class JobsStalled extends BaseCommand<typeof JobsStalled> {
  static summary = 'Find jobs in progress too long and say what Gearman knows: waiting, running, zombie or blocked.'
  static description =
    "waiting: queued for its function; running: a worker is busy on its function; zombie: nothing queued or running for it (the worker died, gearmand lost its queue, the submit failed); blocked: a move or file import waiting behind an older in-progress move or import. A queued job that was cancelled does not count as waiting. Ages are on AtoM's clock.\n\n" +
    exitCodesHelp('jobs:stalled')
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --older-than 30m --json',
  ]
  static flags = {
    'older-than': Flags.string({summary: 'Only jobs in progress longer than this: 90m, 2h, 7d.', default: '1h'}),
    columns: columnsFlag(STALLED_COLUMNS),
  }

  async run(): Promise<StalledReport> {
    const olderThanMs = parseDuration(this.flags['older-than'], '--older-than')
    const report = await withJobsSession(await this.settings(), {gearman: true}, (ctx) =>
      findStalled(ctx.db, ctx.clock, ctx.scope!, {olderThanMs}),
    )
    if (report.problems) this.setExitCode(ExitCode.problems)
    else if (report.stalled.length > 0 && report.servers.every((s) => !s.ok)) this.setExitCode(ExitCode.unreachable)
    return this.output(report, renderStalled)
  }
}

import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp, guardStatusExitCode} from '../../cli/exit-codes.js'
import {guardStatus, type GuardStatusReport} from '../../lib/guard/install.js'
import {guardName} from '../../lib/guard/state.js'
import {renderGuardStatus} from '../../ui/guard.js'

export default class GuardStatus extends BaseCommand<typeof GuardStatus> {
  static summary = "The guard's schedule, its next run, and its last runs with their outcomes."
  static description = `Whether the guard is installed (systemd timer or cron entry, and whether its files are still there), when it runs next (systemctl list-timers, or the cron schedule), whether a run holds the lock now, the restarts it made in the last hour against the rate limit, and the last runs: when, the verdict before and after, the exit code, every action and every notification.

${exitCodesHelp('guard:status')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile main --limit 50 --json',
  ]
  static flags = {
    limit: Flags.integer({default: 10, min: 1, max: 50, summary: 'How many of the last runs to show.'}),
  }

  async run(): Promise<GuardStatusReport & {exitCode: number}> {
    const config = await this.settings()
    const report = await guardStatus(guardName(config.profile), {
      limit: this.flags.limit,
      timeoutMs: config.timeoutMs.value,
    })
    const exitCode = guardStatusExitCode(report)
    this.setExitCode(exitCode)
    return this.output({...report, exitCode}, renderGuardStatus)
  }
}

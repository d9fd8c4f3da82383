import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp, workerResetExitCode} from '../../cli/exit-codes.js'
import {serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {workerReset, type WorkerResetReport} from '../../lib/service/worker.js'
import {renderWorkerReset} from '../../ui/worker.js'

export default class WorkerReset extends BaseCommand<typeof WorkerReset> {
  static summary = "Reset systemd's start limit of the worker units (reset-failed), nothing else."
  static description = `After 3 starts in 24 hours systemd refuses to start atom-worker ("Job for atom-worker.service failed."). This runs \`systemctl reset-failed\` for the units that are failed or at their start limit, and does not start them (worker start / worker restart do, and reset first by themselves). supervisord keeps no such counter: for it, the FATAL programs are named with the command that starts them, and nothing is changed. Writes an audit record.

${exitCodesHelp('worker:reset')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run',
    "<%= config.bin %> <%= command.id %> --unit 'atom-worker@*'",
  ]
  static flags = {
    ...serviceFlags,
    'dry-run': Flags.boolean({summary: 'Show which units would be reset; change nothing.'}),
  }

  async run(): Promise<WorkerResetReport & {exitCode: number}> {
    const report = await workerReset(await this.settings(), serviceFlagValues(this.flags), this.flags['dry-run'])
    await this.audit(report.outcome, {
      action: 'reset-failed',
      unit: report.unitPattern,
      hosts: report.hosts.map((h) =>
        h.ok ? {host: h.host, manager: h.manager, steps: h.value.steps} : {host: h.host, error: h.error.message},
      ),
    })
    const exitCode = workerResetExitCode(report)
    this.setExitCode(exitCode)
    return this.output({...report, exitCode}, renderWorkerReset)
  }
}

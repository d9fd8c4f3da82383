import * as Flags from '@oclif/core/flags'

import {exitCodesHelp} from '../../cli/exit-codes.js'
import {BaseCommand} from '../../cli/base-command.js'
import {forceFlag} from '../../cli/flags.js'
import {applyUninstall, type GuardUninstallReport, planUninstall} from '../../lib/guard/install.js'
import {guardName} from '../../lib/guard/state.js'
import {renderGuardUninstall} from '../../ui/guard.js'

export default class GuardUninstall extends BaseCommand<typeof GuardUninstall> {
  static summary = 'Remove what guard install set up: stop and disable the timer and remove its units, or remove the cron entry.'
  static description = `Shows what it would remove (--dry-run stops there), asks (--force for scripts), then disables and stops the timer, removes the files and reloads systemd. The guard's state and run history stay in the state directory, and the audit log keeps every run. Writes an audit record.

${exitCodesHelp('guard:uninstall')}`
  static examples = ['<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %> --profile main --force']

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show what would be removed; change nothing.'}),
    force: forceFlag('Do not ask (needed when standard input is not a terminal).', {char: 'f'}),
  }

  async run(): Promise<GuardUninstallReport> {
    const config = await this.settings()
    const plan = await planUninstall(guardName(config.profile))
    if (!plan.found || this.flags['dry-run']) {
      if (plan.found) await this.audit('dry-run', {files: plan.files, commands: plan.commands})
      return this.output(plan, renderGuardUninstall)
    }
    if (!this.jsonEnabled()) this.log(renderGuardUninstall(plan))
    await this.confirmOrAbort(`Remove the guard's ${plan.scheduler === 'systemd' ? 'timer and service' : 'cron entry'}?`, this.flags.force, {files: plan.files})
    const report = await applyUninstall(plan, config.timeoutMs.value)
    await this.audit(report.ok ? 'done' : 'partial', {files: report.files, steps: report.steps})
    if (!report.ok) this.setExitCode(6)
    return this.output(report, (r) => renderGuardUninstall(r).split('\n').filter((l) => !/^ {2}(remove|run) /.test(l)).join('\n'))
  }
}

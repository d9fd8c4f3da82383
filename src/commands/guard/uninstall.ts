import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {forceFlag} from '../../cli/flags.js'
import {ExitCode} from '../../lib/errors.js'
import {applyUninstall, type GuardUninstallReport, planUninstall} from '../../lib/guard/install.js'
import {guardName} from '../../lib/guard/state.js'
import {renderGuardUninstall} from '../../ui/guard.js'

export default class GuardUninstall extends BaseCommand<typeof GuardUninstall> {
  static summary =
    'Remove what guard install set up: stop and disable the timer and remove its units, or remove the cron entry.'
  static description = `Shows what it would remove (--dry-run stops there), asks (--force for scripts), then disables and stops the timer, removes the files and reloads systemd. The guard's state and run history stay in the state directory, and the audit log keeps every run. Writes an audit record.

${exitCodesHelp('guard:uninstall')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --profile main --force',
  ]
  static flags = {
    'dry-run': Flags.boolean({summary: 'Show what would be removed; change nothing.'}),
    force: forceFlag('Do not ask (needed when standard input is not a terminal).', {char: 'f'}),
  }

  async run(): Promise<GuardUninstallReport> {
    const config = await this.settings()
    const plan = await planUninstall(guardName(config.profile))
    // Nothing installed: nothing to ask, remove or put on record.
    if (!plan.found) return this.output(plan, renderGuardUninstall)
    const dryRun = this.flags['dry-run']
    const what = plan.scheduler === 'systemd' ? 'timer and service' : 'cron entry'
    const report = await this.carryOut({
      interrupt: {
        started: `the removal of the guard's ${what} was started`,
        check: 'atom-ops guard status',
        audit: () => ({files: plan.files}),
      },
      plan: async () => plan,
      // The dry run's result is this same listing: shown once.
      preview: (p) => {
        if (!dryRun) this.log(renderGuardUninstall(p))
      },
      question: () => `Remove the guard's ${what}?`,
      force: this.flags.force,
      dryRun,
      unapplied: (p) => p,
      apply: (p) => applyUninstall(p, config.timeoutMs.value),
      audited: (r) =>
        r.dryRun
          ? ['dry-run', {files: r.files, commands: r.commands}]
          : [r.ok ? 'done' : 'partial', {files: r.files, steps: r.steps}],
    })
    if (!report.ok) this.setExitCode(ExitCode.failed)
    // After the removal the plan's own lines (already shown) are left out.
    return this.output(report, (r) =>
      r.dryRun
        ? renderGuardUninstall(r)
        : renderGuardUninstall(r)
            .split('\n')
            .filter((l) => !/^ {2}(remove|run) /.test(l))
            .join('\n'),
    )
  }
}

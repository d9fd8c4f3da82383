import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {forceFlag, serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {
  applyInstall,
  DEFAULT_CRON_DIR,
  DEFAULT_UNIT_DIR,
  type GuardInstallReport,
  guardRunArgs,
  planInstall,
} from '../../lib/guard/install.js'
import {guardPolicyFor} from '../../lib/guard/run.js'
import {guardName} from '../../lib/guard/state.js'
import {renderGuardInstall, renderGuardInstallPlan} from '../../ui/guard.js'

export default class GuardInstall extends BaseCommand<typeof GuardInstall> {
  static summary =
    'Run the guard on a schedule: a systemd service and timer, or a cron entry where systemd does not run.'
  static description = `Shows the files first (the command they run is guard run with this profile and the global and service flags given here; ATOM_OPS_CONFIG, ATOM_OPS_STATE_DIR, ATOM_OPS_AUDIT_LOG, PATH and the other settings' variables are carried over, never the database password), then asks (--force for scripts; --dry-run stops after showing). With systemd (systemctl is-system-running answers): SERVICE.service and SERVICE.timer in --unit-dir, daemon-reload, enable --now, and a check that the timer is active. Elsewhere: a file in /etc/cron.d. The policy is checked first: a broken one is refused before anything is written. Writes an audit record.

${exitCodesHelp('guard:install')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> --every 5m --dry-run',
    '<%= config.bin %> <%= command.id %> --profile main --every 5m --force',
    '<%= config.bin %> <%= command.id %> --scheduler cron --every 10m --force',
  ]
  static flags = {
    every: Flags.string({default: '5m', summary: 'How often: 1m to 1d (5m, 15m, 1h).'}),
    scheduler: Flags.string({
      options: ['auto', 'systemd', 'cron'],
      default: 'auto',
      summary: 'systemd timer or cron entry (default: systemd where it runs).',
    }),
    'unit-dir': Flags.string({default: DEFAULT_UNIT_DIR, summary: 'Where the systemd units go.'}),
    'cron-dir': Flags.string({default: DEFAULT_CRON_DIR, summary: 'Where the cron entry goes.'}),
    'dry-run': Flags.boolean({summary: 'Show the files and commands; write and run nothing.'}),
    force: forceFlag('Do not ask (needed when standard input is not a terminal).', {char: 'f'}),
    ...serviceFlags,
  }

  async run(): Promise<GuardInstallReport> {
    const {flags} = this
    const config = await this.settings()
    // A policy that does not parse would fail every scheduled run: refused now, before anything is written.
    await guardPolicyFor(config)
    const plan = await planInstall({
      name: guardName(config.profile),
      every: flags.every,
      scheduler: flags.scheduler as 'auto' | 'systemd' | 'cron',
      unitDir: flags['unit-dir'],
      cronDir: flags['cron-dir'],
      runArgs: guardRunArgs(this.globalOptions(), serviceFlagValues(flags), config.profile),
      timeoutMs: config.timeoutMs.value,
    })
    const details = {
      scheduler: plan.scheduler,
      every: plan.everyMs / 1000,
      files: plan.files.map((f) => f.path),
      runs: plan.runCommand,
    }
    const report = await this.carryOut({
      interrupt: {
        started: `the guard's ${plan.scheduler === 'systemd' ? 'units were' : 'cron entry was'} being written`,
        check: 'atom-ops guard status',
        audit: () => details,
      },
      plan: async () => plan,
      preview: () => {
        this.log(renderGuardInstallPlan(plan))
        if (plan.notCarried.length > 0)
          this.warn(
            `${plan.notCarried.join(', ')} not written into the ${plan.scheduler === 'systemd' ? 'unit' : 'cron entry'}: give the profile a db_password_file instead`,
          )
      },
      question: () =>
        `Write ${plan.files.map((f) => f.path).join(' and ')}${plan.commands.length > 0 ? ' and enable the timer' : ''}?`,
      force: flags.force,
      dryRun: flags['dry-run'],
      unapplied: (): GuardInstallReport => ({dryRun: true, plan, steps: [], ok: true}),
      apply: () => applyInstall(plan, config.timeoutMs.value),
      audited: (r) => [
        r.dryRun ? 'dry-run' : r.ok ? 'done' : r.steps.some((st) => st.ok) ? 'partial' : 'failed',
        {...details, steps: r.steps},
      ],
    })
    if (!report.ok) this.setExitCode(6)
    return this.output(report, renderGuardInstall)
  }
}

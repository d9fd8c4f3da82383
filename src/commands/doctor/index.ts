import * as Flags from '@oclif/core/flags'

import {BaseCommand, ExitCode} from '../../cli/base-command.js'
import {DOCTOR_EXIT_CODES, doctorFixJson, doctorJson, exitCodesHelp, multiDoctorJson} from '../../cli/exit-codes.js'
import {forceFlag, serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {applyDoctorFixes, type DoctorFixReport, planDoctorFix} from '../../lib/doctor/fixes.js'
import {
  type DoctorReport,
  type MultiDoctorReport,
  nagiosLine,
  runDoctor,
  runDoctorForProfiles,
} from '../../lib/doctor/run.js'
import {AbortedError, type AtomOpsError} from '../../lib/errors.js'
import {renderDoctorFixPlan, renderDoctorFixResult, renderDoctorReport} from '../../ui/doctor.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static summary = 'Diagnose "No Gearman worker available" and stalled queues; name the most likely cause and the fix.'
  static description = `Runs every check concurrently, each within its budget (network probes --timeout; service-manager commands ${'3x'} --timeout each): configuration, database, each Gearman server, workers for every job class the worker registers on the server the web app asks (the last in its gearman.yml), what the web app and the worker each read, workers under another prefix, queued jobs without a worker, zombie and blocked job rows, the worker service and its unit definition, a stale config cache, profiles sharing a prefix. The report ends with the most likely cause and the one command to run.

--fix first shows the report and the safe fixes it would apply (restart the worker, resetting its start limit; clear Symfony's cache; mark zombie rows failed), asks once (--force skips it), applies them and checks again.

${exitCodesHelp('doctor')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --nagios',
    '<%= config.bin %> <%= command.id %> --fix --dry-run',
    '<%= config.bin %> <%= command.id %> --all-profiles --json',
  ]
  static flags = {
    nagios: Flags.boolean({
      summary: 'Print one Nagios/Icinga plugin line with performance data.',
      exclusive: ['json', 'fix'],
    }),
    'all-profiles': Flags.boolean({summary: 'Check every install configured as a profile.', exclusive: ['fix']}),
    fix: Flags.boolean({summary: 'Show the safe fixes found, ask, apply them, then check again.'}),
    'dry-run': Flags.boolean({summary: 'With --fix: show the fixes without applying them.', dependsOn: ['fix']}),
    force: forceFlag('With --fix: do not ask for confirmation.', {char: 'f', dependsOn: ['fix']}),
    ...serviceFlags,
  }

  async run(): Promise<DoctorReport | MultiDoctorReport | DoctorFixReport> {
    const service = serviceFlagValues(this.flags)
    if (this.flags.fix) return this.fix(service)
    const result = this.flags['all-profiles']
      ? await runDoctorForProfiles(this.globalOptions(), {service})
      : await runDoctor(await this.settings(), {service, commandArgs: this.targetArgs()})
    this.setExitCode(DOCTOR_EXIT_CODES[result.status])
    if (this.flags.nagios) {
      const worst =
        'profiles' in result ? result.profiles.find((p) => p.report.status === result.status)!.report : result
      this.log(
        nagiosLine(worst) +
          ('profiles' in result && result.profiles.length > 1 ? ` (${result.profiles.length} installs)` : ''),
      )
      return result
    }

    return this.output('profiles' in result ? multiDoctorJson(result) : doctorJson(result), renderDoctorReport)
  }

  /** The report and the fixes in plain words first, then one question; declined, nothing changes (exit 5). */
  private async fix(service: ReturnType<typeof serviceFlagValues>): Promise<DoctorFixReport> {
    const config = await this.settings()
    const plan = await planDoctorFix(config, {service, commandArgs: this.targetArgs()})
    if (!this.jsonEnabled()) this.log(renderDoctorFixPlan(plan, this.view()))
    const planned: DoctorFixReport = {
      dryRun: this.flags['dry-run'],
      before: plan.before,
      fixes: plan.fixes,
      status: plan.before.status,
    }
    if (plan.fixes.length === 0 || this.flags['dry-run']) {
      this.setExitCode(DOCTOR_EXIT_CODES[plan.before.status])
      return this.output(doctorFixJson(planned), (r, view) =>
        r.dryRun && r.fixes.length > 0 ? renderDoctorFixResult(r, view) : '',
      )
    }

    try {
      await this.confirmOrAbort(
        `Apply the ${plan.fixes.length === 1 ? 'fix' : `${plan.fixes.length} fixes`} listed above?`,
        this.flags.force,
        {fixes: plan.fixes.map((f) => f.action.kind), before: plan.before.status},
      )
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error
      if (this.jsonEnabled()) {
        this.setExitCode(ExitCode.aborted)
        return {...doctorFixJson(planned), declined: true}
      }

      throw error
    }

    const report = await applyDoctorFixes(config, plan, {service, commandArgs: this.targetArgs()})
    await this.audit(report.status === 'ok' ? 'done' : 'partial', {
      fixes: report.fixes,
      before: report.before.status,
      after: report.status,
    })
    this.setExitCode(DOCTOR_EXIT_CODES[report.status])
    return this.output(doctorFixJson(report), renderDoctorFixResult)
  }

  /** Nagios: a usage or configuration error is UNKNOWN (3); a declined --fix keeps its own code (5). */
  protected exitCodeFor(error: AtomOpsError): number {
    return error.kind === 'aborted' ? ExitCode.aborted : 3
  }
}

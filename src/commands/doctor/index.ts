import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {AtomOpsError} from '../../lib/errors.js'
import {doctorFix, type DoctorFixReport} from '../../lib/doctor/fixes.js'
import {type DoctorReport, type MultiDoctorReport, nagiosLine, runDoctor, runDoctorForProfiles} from '../../lib/doctor/run.js'
import {renderDoctorFix, renderDoctorReport} from '../../ui/doctor.js'
import {serviceFlags, serviceFlagValues} from '../../ui/worker.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static summary = 'Diagnose "No Gearman worker available" and stalled queues; name the most likely cause and the fix.'
  static description = `Runs every check concurrently, each bounded by --timeout: configuration, database, each Gearman server, workers for every job class on the server AtoM asks (the last in gearman.yml), workers under another prefix, queued jobs without a worker, zombie and blocked job rows, the worker service and its unit definition, a stale config cache, profiles sharing a prefix. The report ends with the most likely cause and the one command to run.

--fix applies the safe fixes found (restart the worker, resetting its start limit; clear Symfony's cache; mark zombie rows failed), after one confirmation (--force skips it), then checks again.

Exit codes follow Nagios/Icinga: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for a usage error).`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --nagios',
    '<%= config.bin %> <%= command.id %> --fix --dry-run',
    '<%= config.bin %> <%= command.id %> --all-profiles --json',
  ]

  static flags = {
    nagios: Flags.boolean({summary: 'Print one Nagios/Icinga plugin line with performance data.', exclusive: ['json', 'fix']}),
    'all-profiles': Flags.boolean({summary: 'Check every install configured as a profile.', exclusive: ['fix']}),
    fix: Flags.boolean({summary: 'Apply the safe fixes found, then check again.'}),
    'dry-run': Flags.boolean({summary: 'With --fix: show the fixes without applying them.', dependsOn: ['fix']}),
    force: Flags.boolean({summary: 'With --fix: do not ask for confirmation.', dependsOn: ['fix']}),
    ...serviceFlags,
  }

  async run(): Promise<DoctorReport | MultiDoctorReport | DoctorFixReport> {
    const service = serviceFlagValues(this.flags)
    if (this.flags.fix) {
      const report = await doctorFix(await this.settings(), {service, dryRun: this.flags['dry-run'], confirm: (q) => this.confirmOrAbort(q, this.flags.force)})
      if (!report.dryRun && report.fixes.length > 0) await this.audit(report.exitCode === 0 ? 'done' : 'partial', {fixes: report.fixes, before: report.before.status, after: report.status})
      this.setExitCode(report.exitCode)
      return this.output(report, renderDoctorFix)
    }
    const result = this.flags['all-profiles'] ? await runDoctorForProfiles(this.globalOptions(), {service}) : await runDoctor(await this.settings(), {service})
    this.setExitCode(result.exitCode)
    if (this.flags.nagios) {
      const worst = 'profiles' in result ? result.profiles.find((p) => p.report.status === result.status)!.report : result
      this.log(nagiosLine(worst) + ('profiles' in result && result.profiles.length > 1 ? ` (${result.profiles.length} installs)` : ''))
      return result
    }
    return this.output(result, renderDoctorReport)
  }

  protected exitCodeFor(_error: AtomOpsError): number {
    return 3
  }
}

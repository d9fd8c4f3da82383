import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import type {AtomOpsError} from '../../lib/errors.js'
import {type DoctorReport, type MultiDoctorReport, nagiosLine, runDoctor, runDoctorForProfiles} from '../../lib/doctor/run.js'
import {renderDoctorReport} from '../../ui/doctor.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static summary = 'Diagnose "No Gearman worker available" and stalled queues; name the most likely cause and the fix.'
  static description = `Runs every check concurrently, each bounded by --timeout: configuration, database, each Gearman server, workers for every job class on the server AtoM asks (the last in gearman.yml), workers under another prefix, queued jobs without a worker, a stale config cache, profiles sharing a prefix. The report ends with the most likely cause and the one command to run.

Exit codes follow Nagios/Icinga: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for a usage error).`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --nagios',
    '<%= config.bin %> <%= command.id %> --all-profiles --json',
  ]

  static flags = {
    nagios: Flags.boolean({summary: 'Print one Nagios/Icinga plugin line with performance data.', exclusive: ['json']}),
    'all-profiles': Flags.boolean({summary: 'Check every install configured as a profile.'}),
  }

  async run(): Promise<DoctorReport | MultiDoctorReport> {
    const result = this.flags['all-profiles'] ? await runDoctorForProfiles(this.globalOptions()) : await runDoctor(await this.settings())
    this.setExitCode(result.exitCode)
    if (this.flags.nagios) {
      const reports = 'profiles' in result ? result.profiles.map((p) => p.report) : [result]
      const worst = 'profiles' in result ? result.profiles.find((p) => p.report.status === result.status)!.report : result
      this.log(nagiosLine(worst) + (reports.length > 1 ? ` (${reports.length} installs)` : ''))
      return result
    }
    return this.output(result, renderDoctorReport)
  }

  protected exitCodeFor(_error: AtomOpsError): number {
    return 3
  }
}

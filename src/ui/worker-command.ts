import {Command, Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {type WorkerAction, workerControl, type WorkerControlReport} from '../lib/service/worker.js'
import {statusLine} from './progress.js'
import {renderWorkerControl, serviceFlags, serviceFlagValues} from './worker.js'
import {forceFlag} from './flags.js'

/** start, stop and restart differ only in their action: one command body for the three. */
export abstract class WorkerControlCommand<T extends typeof Command> extends BaseCommand<T> {
  static controlFlags = {
    ...serviceFlags,
    'dry-run': Flags.boolean({summary: 'Show what would run on each host (including a start-limit reset); change nothing.'}),
    force: forceFlag('Do not ask for confirmation (needed without a terminal).', {char: 'f'}),
    wait: Flags.integer({min: 0, max: 3600, default: 60, summary: "Seconds to wait for Gearman to confirm (the install's functions have workers again, or none after stop); 0 skips the check."}),
  }

  /** The same for start, stop and restart (the command id is filled in by oclif). */
  static controlExamples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --force',
    "<%= config.bin %> <%= command.id %> --unit 'atom-worker@*' --host deploy@worker-1 --host deploy@worker-2 --force",
    '<%= config.bin %> <%= command.id %> --manager supervisor --supervisor-config /etc/supervisor/supervisord.conf --unit atom-worker --force',
  ]

  protected abstract readonly action: WorkerAction

  async run(): Promise<WorkerControlReport> {
    const flags = this.flags as Record<string, unknown>
    const guard = this.guardInterrupts({
      started: `the ${this.action} of the worker was sent to the service manager`,
      check: 'atom-ops worker status',
      audit: () => ({action: this.action, unit: flags.unit, hosts: flags.host}),
    })
    let report: WorkerControlReport
    const waiting = statusLine(this.io.progress)
    try {
      report = await workerControl(await this.settings(), serviceFlagValues(flags), {
        action: this.action,
        dryRun: Boolean(flags['dry-run']),
        waitSeconds: Number(flags.wait ?? 60),
        confirm: async (question) => {
          await this.confirmOrAbort(question, Boolean(flags.force))
          guard.begin()
        },
        onWaiting: ({missing, elapsedMs}) =>
          waiting.show(`waiting for Gearman: ${this.action === 'stop' ? `${missing.length} function(s) still with a worker` : `${missing.length} job class(es) still without a worker`}, ${Math.round(elapsedMs / 1000)}s`),
      })
    } finally {
      waiting.done()
      guard.release()
    }
    await this.audit(report.outcome, {
      action: report.action,
      unit: report.unitPattern,
      hosts: report.hosts.map((h) => (h.ok ? {host: h.host, manager: h.manager, units: h.value.units, steps: h.value.steps, resetStartLimit: h.value.resetStartLimit} : {host: h.host, error: h.error.message})),
      verified: report.verification?.verified,
      missing: report.verification?.missing.slice(0, 50),
    })
    this.setExitCode(report.exitCode)
    return this.output(report, renderWorkerControl)
  }
}

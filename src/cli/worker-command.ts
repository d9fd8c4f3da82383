import * as Flags from '@oclif/core/flags'

import {
  applyWorkerControl,
  planWorkerControl,
  type WorkerAction,
  workerControlQuestion,
  type WorkerControlReport,
  workerControlUnapplied,
} from '../lib/service/worker.js'
import {statusLine} from '../ui/progress.js'
import {renderWorkerControl} from '../ui/worker.js'
import {BaseCommand} from './base-command.js'
import {workerControlJson} from './exit-codes.js'
import {forceFlag, serviceFlags, serviceFlagValues} from './flags.js'

/** start, stop and restart differ only in their action: one command body for the three. */
/** The flags of start, stop and restart. */
const controlFlags = {
  ...serviceFlags,
  'dry-run': Flags.boolean({
    summary: 'Show what would run on each host (including a start-limit reset); change nothing.',
  }),
  force: forceFlag('Do not ask for confirmation (needed without a terminal).', {char: 'f'}),
  wait: Flags.integer({
    min: 0,
    max: 3600,
    default: 60,
    summary:
      "Seconds to wait for Gearman to confirm (the install's functions have workers again, or none after stop); 0 skips the check.",
  }),
}

/** start, stop and restart differ only in their action: one command body for the three. */
export abstract class WorkerControlCommand extends BaseCommand<typeof WorkerControlCommand> {
  static flags = controlFlags
  /** The same for start, stop and restart (the command id is filled in by oclif). */
  static controlExamples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --force',
    "<%= config.bin %> <%= command.id %> --unit 'atom-worker@*' --host deploy@worker-1 --host deploy@worker-2 --force",
    '<%= config.bin %> <%= command.id %> --manager supervisor --supervisor-config /etc/supervisor/supervisord.conf --unit atom-worker --force',
  ]

  protected abstract readonly action: WorkerAction

  async run(): Promise<WorkerControlReport & {exitCode: number}> {
    const {flags} = this
    const cfg = await this.settings()
    const dryRun = flags['dry-run']
    const waiting = statusLine(this.io.progress)
    const report = await this.carryOut({
      interrupt: {
        started: `the ${this.action} of the worker was sent to the service manager`,
        check: 'atom-ops worker status',
        audit: () => ({action: this.action, unit: flags.unit, hosts: flags.host}),
      },
      plan: () => planWorkerControl(cfg, serviceFlagValues(flags), this.action),
      question: workerControlQuestion,
      force: flags.force,
      dryRun,
      unapplied: (plan) => workerControlUnapplied(plan, dryRun),
      apply: async (plan) => {
        try {
          return await applyWorkerControl(cfg, plan, {
            waitSeconds: flags.wait,
            onWaiting: ({missing, elapsedMs}) =>
              waiting.show(
                `waiting for Gearman: ${this.action === 'stop' ? `${missing.length} function(s) still with a worker` : `${missing.length} job class(es) still without a worker`}, ${Math.round(elapsedMs / 1000)}s`,
              ),
          })
        } finally {
          waiting.done()
        }
      },
      audited: (r) => [
        r.outcome,
        {
          action: r.action,
          unit: r.unitPattern,
          hosts: r.hosts.map((h) =>
            h.ok
              ? {
                  host: h.host,
                  manager: h.manager,
                  units: h.value.units,
                  steps: h.value.steps,
                  resetStartLimit: h.value.resetStartLimit,
                }
              : {host: h.host, error: h.error.message},
          ),
          verified: r.verification?.verified,
          missing: r.verification?.missing.slice(0, 50),
        },
      ],
    })
    const json = workerControlJson(report)
    this.setExitCode(json.exitCode)
    return this.output(json, renderWorkerControl)
  }
}

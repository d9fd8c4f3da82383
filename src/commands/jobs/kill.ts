import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp, killRestartJson} from '../../cli/exit-codes.js'
import {forceFlag, serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {type KillResult, planKill, restartAfterKill, runKill, WORKER_NOT_STOPPED} from '../../lib/jobs/kill.js'
import {type JobsSession, openJobsSession} from '../../lib/jobs/session.js'
import {parseId} from '../../lib/util/duration.js'
import {renderKillPlan, renderKillResult} from '../../ui/jobs.js'
import {renderWorkerControl} from '../../ui/worker.js'

export default class JobsKill extends BaseCommand<typeof JobsKill> {
  static summary = 'End one stalled job: mark it failed with a note saying why (default), or delete it with a backup.'
  static description = `Refuses a job that is not in progress unless --any-status. By default the row is kept as history: status Error, completed now (on AtoM's clock), and an error note "Killed by atom-ops (operator@host) at TIME: REASON". With --delete it is backed up and deleted through \`object\` (notes and properties go with it) and its download file removed.
Its queued Gearman job is cancelled when it can be told apart (the only queued job of its function); otherwise the output says plainly that it was NOT cancelled and will still run, with the \`queue cancel\` command and the handles it is among. The worker process hanging on a running job is NOT stopped (Gearman cannot stop a running job): --restart-worker stops the worker service, cancels the killed job that gearmand re-queues, starts the service again, and checks through Gearman that the worker let go.

${exitCodesHelp('jobs:kill')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> 1234 --reason "worker OOM-killed" --force',
    '<%= config.bin %> <%= command.id %> 1234 --restart-worker --force',
    '<%= config.bin %> <%= command.id %> 1234 --delete --dry-run',
  ]
  static args = {id: Args.string({required: true, description: 'The job id.'})}
  static flags = {
    reason: Flags.string({summary: 'Why, for the error note and the audit record.'}),
    delete: Flags.boolean({summary: 'Delete the job (after a backup) instead of marking it failed.'}),
    force: forceFlag('Do not ask for confirmation (needed when standard input is not a terminal).', {char: 'f'}),
    'any-status': Flags.boolean({summary: 'Also kill a job that is not in progress (completed or failed).'}),
    'dry-run': Flags.boolean({summary: 'Show what would be done, change nothing.'}),
    backup: Flags.string({
      summary: 'With --delete: back the job up to this file (default: a timestamped file in the state directory).',
      exclusive: ['no-backup'],
    }),
    'no-backup': Flags.boolean({summary: 'With --delete: no backup.'}),
    'no-queue': Flags.boolean({summary: 'Leave its queued Gearman job alone.'}),
    'restart-worker': Flags.boolean({
      summary:
        'Then stop the worker service, cancel the re-queued job, start it again (resetting its start limit if hit) and verify through Gearman.',
    }),
    ...serviceFlags,
  }

  async run(): Promise<KillOutput> {
    const {flags} = this
    const id = parseId(this.args.id, 'job id')
    // Each step is a transaction (or an atomic file rename): interrupted, the job is either done or untouched.
    let action = flags.delete ? 'delete' : 'mark-failed'
    let session: JobsSession | undefined
    let done: KillOutput
    try {
      done = await this.carryOut({
        interrupt: {
          started: `the kill of job ${id} was started`,
          check: `atom-ops jobs show ${id}`,
          audit: () => ({job: id, action}),
        },
        plan: async () => {
          const cfg = await this.settings()
          session = await openJobsSession(cfg, {install: true})
          const plan = await planKill(session.db, session.clock, id, {
            scope: session.scope,
            anyStatus: flags['any-status'],
            delete: flags.delete,
          })
          action = plan.action
          return {cfg, ctx: session, plan}
        },
        // The plan is what the question is about: --quiet leaves it out only with --force.
        preview: ({plan}) => {
          if (!this.io.quiet || !flags.force || flags['dry-run']) this.log(renderKillPlan(plan))
        },
        question: ({plan}) =>
          `${plan.action === 'delete' ? 'Delete' : 'Mark failed'} job ${id} (${plan.job.name})${flags['restart-worker'] ? ' and restart the worker service' : ''}?`,
        force: flags.force,
        dryRun: flags['dry-run'],
        unapplied: ({plan}): KillOutput => ({
          plan,
          dryRun: true,
          action: plan.action,
          worker: WORKER_NOT_STOPPED,
          queued: {state: 'none', message: 'nothing was changed'},
        }),
        async apply({cfg, ctx, plan}): Promise<KillOutput> {
          const result = await runKill(ctx.db, ctx.clock, plan, {
            scope: ctx.scope,
            reason: flags.reason,
            realRoot: ctx.realRoot!,
            backupPath: flags['no-backup'] ? null : flags.backup,
            queue: !flags['no-queue'],
          })
          const restarted = flags['restart-worker']
            ? await restartAfterKill(cfg, serviceFlagValues(flags), plan, ctx.scope, ctx.clock, ctx.db)
            : undefined
          return {
            ...result,
            worker: restarted?.worker ?? result.worker,
            workerRestart: restarted && killRestartJson(restarted),
          }
        },
        audited: (r) =>
          r.dryRun
            ? ['dry-run', {job: id, name: r.plan.job.name, action: r.plan.action}]
            : [
                r.workerRestart && r.workerRestart.exitCode !== 0 ? 'partial' : 'done',
                {
                  job: id,
                  name: r.plan.job.name,
                  status: r.plan.job.status,
                  action: r.plan.action,
                  reason: flags.reason,
                  backup: r.backup,
                  queued: r.queued.state,
                  queue: r.queue?.outcomes,
                  workerRestart: r.workerRestart && {
                    exitCode: r.workerRestart.exitCode,
                    running: r.workerRestart.running,
                  },
                },
              ],
      })
    } finally {
      await session?.db.close()
    }

    if (done.workerRestart) this.setExitCode(done.workerRestart.exitCode)
    return this.output(done, (r, view) =>
      [
        renderKillResult(r),
        ...(r.workerRestart
          ? [
              renderWorkerControl(r.workerRestart.stop, view),
              r.workerRestart.requeued ? `Re-queued job: ${r.workerRestart.requeued.outcome.message}` : '',
              r.workerRestart.start ? renderWorkerControl(r.workerRestart.start, view) : '',
            ]
          : []),
      ]
        .filter(Boolean)
        .join('\n'),
    )
  }
}

/** What jobs kill reports (and --json prints): the kill, and the worker restart with its exit codes. */
type KillOutput = KillResult & {workerRestart?: ReturnType<typeof killRestartJson>}

import {Args, Flags} from '@oclif/core'

import {exitCodesHelp, killRestartJson} from '../../cli/exit-codes.js'
import {BaseCommand} from '../../cli/base-command.js'
import {describeError} from '../../lib/errors.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {type KillRestartReport, type KillResult, planKill, restartAfterKill, runKill, WORKER_NOT_STOPPED} from '../../lib/jobs/kill.js'
import {parseId} from '../../lib/util/duration.js'
import {renderKillPlan, renderKillResult} from '../../ui/jobs.js'
import {renderWorkerControl} from '../../ui/worker.js'
import {forceFlag, serviceFlags, serviceFlagValues} from '../../cli/flags.js'

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
    backup: Flags.string({summary: 'With --delete: back the job up to this file (default: a timestamped file in the state directory).', exclusive: ['no-backup']}),
    'no-backup': Flags.boolean({summary: 'With --delete: no backup.'}),
    'no-queue': Flags.boolean({summary: 'Leave its queued Gearman job alone.'}),
    'restart-worker': Flags.boolean({summary: 'Then stop the worker service, cancel the re-queued job, start it again (resetting its start limit if hit) and verify through Gearman.'}),
    ...serviceFlags,
  }

  async run(): Promise<KillResult & {workerRestart?: KillRestartReport}> {
    const {flags} = this
    const id = parseId(this.args.id, 'job id')
    // Each step is a transaction (or an atomic file rename): interrupted, the job is either done or untouched.
    let action = flags.delete ? 'delete' : 'mark-failed'
    const guard = this.guardInterrupts({
      started: `the kill of job ${id} was started`,
      check: `atom-ops jobs show ${id}`,
      audit: () => ({job: id, action}),
    })
    try {
      return await withJobsSession(await this.settings(), {install: true}, async (ctx) => {
        const plan = await planKill(ctx.db, ctx.clock, id, {scope: ctx.scope, anyStatus: flags['any-status'], delete: flags.delete})
        action = plan.action
        // The plan is what the question is about: --quiet leaves it out only with --force.
        if (!this.jsonEnabled() && (!this.io.quiet || !flags.force || flags['dry-run'])) this.log(renderKillPlan(plan))
        if (flags['dry-run']) {
          await this.audit('dry-run', {job: id, name: plan.job.name, action: plan.action})
          return this.output({plan, dryRun: true, action: plan.action, worker: WORKER_NOT_STOPPED, queued: {state: 'none', message: 'nothing was changed'}} as KillResult, renderKillResult)
        }
        await this.confirmOrAbort(`${plan.action === 'delete' ? 'Delete' : 'Mark failed'} job ${id} (${plan.job.name})${flags['restart-worker'] ? ' and restart the worker service' : ''}?`, flags.force)
        guard.begin()
        try {
          const result = await runKill(ctx.db, ctx.clock, plan, {
            scope: ctx.scope,
            reason: flags.reason,
            realRoot: ctx.realRoot!,
            backupPath: flags['no-backup'] ? null : flags.backup,
            queue: !flags['no-queue'],
          })
          const restarted = flags['restart-worker'] ? await restartAfterKill(await this.settings(), serviceFlagValues(flags), plan, ctx.scope, ctx.clock, ctx.db) : undefined
          const workerRestart = restarted && killRestartJson(restarted)
          const outcome = workerRestart && workerRestart.exitCode !== 0 ? 'partial' : 'done'
          await this.audit(outcome, {job: id, name: plan.job.name, status: plan.job.status, action: plan.action, reason: flags.reason, backup: result.backup, queued: result.queued.state, queue: result.queue?.outcomes, workerRestart: workerRestart && {exitCode: workerRestart.exitCode, running: workerRestart.running}})
          if (workerRestart) this.setExitCode(workerRestart.exitCode)
          const worker = workerRestart?.worker ?? result.worker
          return this.output({...result, worker, workerRestart}, (r, view) =>
            [renderKillResult(r), ...(r.workerRestart ? [renderWorkerControl(r.workerRestart.stop, view), r.workerRestart.requeued ? `Re-queued job: ${r.workerRestart.requeued.outcome.message}` : '', r.workerRestart.start ? renderWorkerControl(r.workerRestart.start, view) : ''] : [])].filter(Boolean).join('\n'),
          )
        } catch (error) {
          await this.audit('failed', {job: id, action: plan.action, error: describeError(error)})
          throw error
        }
      })
    } finally {
      guard.release()
    }
  }
}

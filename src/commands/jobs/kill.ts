import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {describeError} from '../../lib/errors.js'
import {withJobsContext} from '../../lib/jobs/context.js'
import {type KillResult, planKill, restartAfterKill, runKill, WORKER_NOT_STOPPED} from '../../lib/jobs/kill.js'
import type {WorkerControlReport} from '../../lib/service/worker.js'
import {parseId} from '../../lib/util/duration.js'
import {renderKillPlan, renderKillResult} from '../../ui/jobs.js'
import {renderWorkerControl, serviceFlags, serviceFlagValues} from '../../ui/worker.js'

export default class JobsKill extends BaseCommand<typeof JobsKill> {
  static summary = 'End one stalled job: mark it failed with a note saying why (default), or delete it with a backup.'
  static description = `Refuses a job that is not in progress unless --force. By default the row is kept as history: status Error, completed now, and an error note "Killed by atom-ops (operator@host) at TIME: REASON". With --delete it is backed up and deleted through \`object\` (notes and properties go with it) and its download file removed.
Its queued Gearman job is cancelled when it can be identified (the row is the only in-progress one of its class and the server holds nothing else). The worker process hanging on the job is NOT stopped (Gearman cannot stop a running job): add --restart-worker (or run \`atom-ops worker restart\`).

Exit codes: 0 done; 1 --restart-worker restarted but could not verify it through Gearman; 2 bad id or no such job; 3 configuration; 4 MySQL (or the service manager) unreachable; 5 not confirmed, a job not in progress without --force, or interrupted (SIGINT/SIGTERM) before anything changed; 6 the job changed or vanished meanwhile, the backup could not be written, the service manager refused, or interrupted after the change began (audited; check with jobs show).`
  static examples = ['<%= config.bin %> <%= command.id %> 1234 --reason "worker OOM-killed" --force', '<%= config.bin %> <%= command.id %> 1234 --delete --dry-run']
  static args = {id: Args.string({required: true, description: 'The job id.'})}
  static flags = {
    reason: Flags.string({summary: 'Why, for the error note and the audit record.'}),
    delete: Flags.boolean({summary: 'Delete the job (after a backup) instead of marking it failed.'}),
    force: Flags.boolean({char: 'f', summary: 'Do not ask; also allows a job that is not in progress.'}),
    'dry-run': Flags.boolean({summary: 'Show what would be done, change nothing.'}),
    backup: Flags.string({summary: 'With --delete: back the job up to this file (default: a timestamped file in the state directory).', exclusive: ['no-backup']}),
    'no-backup': Flags.boolean({summary: 'With --delete: no backup.'}),
    'no-queue': Flags.boolean({summary: 'Leave its queued Gearman job alone.'}),
    'restart-worker': Flags.boolean({summary: 'Then restart the worker service (resetting its start limit if hit) and verify it through Gearman.'}),
    ...serviceFlags,
  }

  async run(): Promise<KillResult & {workerRestart?: WorkerControlReport}> {
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
      return await withJobsContext(await this.settings(), {install: true}, async (ctx) => {
        const plan = await planKill(ctx.db, ctx.clock, id, {scope: ctx.scope, force: flags.force, delete: flags.delete})
        action = plan.action
        if (!this.jsonEnabled()) this.log(renderKillPlan(plan))
        if (flags['dry-run']) {
          await this.audit('dry-run', {job: id, name: plan.job.name, action: plan.action})
          return this.output({plan, dryRun: true, action: plan.action, worker: WORKER_NOT_STOPPED} as KillResult, renderKillResult)
        }
        await this.confirmOrAbort(`${plan.action === 'delete' ? 'Delete' : 'Mark failed'} job ${id} (${plan.job.name})${flags['restart-worker'] ? ' and restart the worker' : ''}?`, flags.force)
        guard.begin()
        try {
          const result = await runKill(ctx.db, ctx.clock, plan, {
            scope: ctx.scope,
            reason: flags.reason,
            realRoot: ctx.realRoot!,
            backupPath: flags['no-backup'] ? null : flags.backup,
            queue: !flags['no-queue'],
          })
          const workerRestart = flags['restart-worker'] ? await restartAfterKill(await this.settings(), serviceFlagValues(flags)) : undefined
          const outcome = workerRestart && workerRestart.exitCode !== 0 ? 'partial' : 'done'
          await this.audit(outcome, {job: id, name: plan.job.name, status: plan.job.status, action: plan.action, reason: flags.reason, backup: result.backup, queue: result.queue?.outcomes, workerRestart: workerRestart?.outcome})
          if (workerRestart) this.setExitCode(workerRestart.exitCode)
          const worker = workerRestart ? 'The worker service was restarted (below): a worker process hanging on the job went with it.' : result.worker
          return this.output({...result, worker, workerRestart}, (r) => [renderKillResult(r), r.workerRestart ? renderWorkerControl(r.workerRestart) : ''].filter(Boolean).join('\n'))
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

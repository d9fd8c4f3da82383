import {Flags} from '@oclif/core'

import {exitCodesHelp} from '../../cli/exit-codes.js'
import {BaseCommand} from '../../base-command.js'
import {describeError, UsageError} from '../../lib/errors.js'
import {type ClearPlan, type ClearResult, ClearStopped, planClear, runClear} from '../../lib/jobs/clear.js'
import {withJobsContext} from '../../lib/jobs/context.js'
import {parseStatuses} from '../../lib/jobs/filter.js'
import {filterFlags, filterFromFlags} from '../../ui/jobs-flags.js'
import {renderClearPlan, renderClearResult} from '../../ui/jobs.js'
import {progressBar} from '../../ui/progress.js'

type ClearOutput = {dryRun: true; plan: ClearPlan} | ({dryRun: false} & ClearResult)

export default class JobsClear extends BaseCommand<typeof JobsClear> {
  static summary = "Delete job rows safely and fast: AtoM's jobs:clear with a preview, filters, a backup, and the download files."
  static description = `First shows what will go, by status and class, and which in-progress rows Gearman says are really running or waiting; --dry-run stops there.
Then backs the rows up (object, job, notes, properties and their translations) to a file, fsynced before the first delete (--backup FILE; default a timestamped file in atom-ops' state directory; --no-backup to skip), and deletes through \`object\` so the cascades take the rest, in batches, each a transaction. Only rows that existed when the command started are deleted. Download files of deleted jobs are removed when they are inside the install root. An interrupted clear is finished by running it again; \`jobs restore FILE\` puts a backup back.

Ctrl-C (SIGINT) or SIGTERM during the backup stops before anything is deleted; during the deletes it stops after the current batch. Either way it says how many jobs were deleted and where the backup is, writes a "partial" audit record and exits 6. Rows another clear or kill deleted first are counted as already gone, not as an error.

${exitCodesHelp('jobs:clear')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> --inactive --dry-run',
    '<%= config.bin %> <%= command.id %> --status error --older-than 30d --force',
    '<%= config.bin %> <%= command.id %> --force --queue',
  ]

  static flags = {
    ...filterFlags,
    inactive: Flags.boolean({summary: 'Only jobs not in progress (AtoM\'s "Clear inactive jobs").'}),
    'dry-run': Flags.boolean({summary: 'Show what would be deleted, change nothing.'}),
    force: Flags.boolean({char: 'f', summary: 'Do not ask (needed when standard input is not a terminal).'}),
    backup: Flags.string({summary: 'Back up the deleted jobs to this file (default: a timestamped file in the state directory).', exclusive: ['no-backup']}),
    'no-backup': Flags.boolean({summary: 'Delete without a backup.'}),
    queue: Flags.boolean({summary: "Also cancel this install's queued Gearman jobs of the deleted in-progress rows, where Gearman lets them be identified."}),
    'batch-size': Flags.integer({hidden: true, default: 5000, min: 1, max: 20_000}),
    'batch-pause': Flags.integer({hidden: true, default: 0, min: 0, max: 60_000}),
    'backup-pause': Flags.integer({hidden: true, default: 0, min: 0, max: 60_000}),
  }

  async run(): Promise<ClearOutput> {
    const {flags} = this
    const filter = filterFromFlags(flags)
    if (flags.inactive && parseStatuses(flags.status)?.includes('running')) throw new UsageError('--inactive and --status running select nothing together')
    const cfg = await this.settings()
    return withJobsContext(cfg, {install: true}, async (ctx) => {
      const plan = await planClear(ctx.db, ctx.clock, {filter, scope: ctx.scope})
      if (!this.jsonEnabled()) this.log(renderClearPlan(plan))
      if (flags['dry-run'] || plan.total === 0) {
        await this.audit('dry-run', {selection: plan.selection, wouldDelete: plan.total, groups: plan.groups})
        if (!this.jsonEnabled() && plan.total) this.log('Dry run: nothing was changed.')
        return {dryRun: true as const, plan}
      }
      await this.confirmOrAbort(`Delete ${plan.total} job(s)${flags['no-backup'] ? ' WITHOUT a backup' : ''}?`, flags.force)
      const bar = progressBar('clear', Boolean(process.stderr.isTTY) && !this.jsonEnabled())
      // Ctrl-C / SIGTERM: finish the current batch, then stop and say what was done (ClearStopped).
      const stop = new AbortController()
      const onSignal = (signal: NodeJS.Signals) => {
        if (stop.signal.aborted) return
        bar.done()
        process.stderr.write(`atom-ops: ${signal} received: stopping after the current batch\n`)
        stop.abort()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      try {
        const result = await runClear(ctx.db, plan, {
          filter,
          scope: ctx.scope,
          realRoot: ctx.realRoot!,
          backupPath: flags['no-backup'] ? null : flags.backup,
          queue: flags.queue,
          batchSize: flags['batch-size'],
          batchPauseMs: flags['batch-pause'],
          backupPauseMs: flags['backup-pause'],
          signal: stop.signal,
          onProgress: (phase, done, total) => bar.update(done, total, phase === 'backup' ? 'backing up' : 'deleting'),
        })
        bar.done()
        await this.audit('done', {
          selection: plan.selection,
          maxId: plan.maxId,
          planned: plan.total,
          deleted: result.deleted,
          alreadyGone: result.alreadyGone,
          backup: result.backup,
          filesRemoved: result.files.removed,
          filesRefused: result.files.refused.length,
          queue: result.queue?.outcomes,
        })
        return this.output({dryRun: false as const, ...result}, renderClearResult)
      } catch (error) {
        bar.done()
        const progress = error instanceof ClearStopped ? error.progress : undefined
        await this.audit('partial', {
          selection: plan.selection,
          maxId: plan.maxId,
          planned: plan.total,
          ...(progress && {deleted: progress.deleted, alreadyGone: progress.alreadyGone, backup: progress.backupComplete ? progress.backup : null, interrupted: progress.interrupted}),
          error: describeError(error),
        })
        throw error
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
  }
}

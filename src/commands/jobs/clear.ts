import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {filterFlags, filterFromFlags, forceFlag} from '../../cli/flags.js'
import {describeError, UsageError} from '../../lib/errors.js'
import {BackupWriter} from '../../lib/jobs/backup.js'
import {applyPrune, listBackups, planPrune, removeStalePartials} from '../../lib/jobs/backups.js'
import {type ClearPlan, type ClearResult, ClearStopped, planClear, runClear} from '../../lib/jobs/clear.js'
import {parseStatuses} from '../../lib/jobs/filter.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {renderClearPlan, renderClearResult} from '../../ui/jobs.js'
import {progressBar} from '../../ui/progress.js'

type ClearOutput =
  | {dryRun: true; plan: ClearPlan}
  | (ClearResult & {dryRun: false; stalePartials?: {files: number; bytes: number}; pruned?: string[]})

export default class JobsClear extends BaseCommand<typeof JobsClear> {
  static summary =
    "Delete job rows safely and fast: AtoM's jobs:clear with a preview, filters, a backup, and the download files."
  static description = `First shows what will go, by status and class, and which in-progress rows Gearman says are really running or waiting; --dry-run stops there.
Then, a batch at a time, each batch one transaction: the batch's rows are locked (AtoM cannot change them meanwhile), written to the backup (object, job, notes, properties and their translations, gzip-compressed) and fsynced, deleted through \`object\` (the cascades take the rest), committed. So the backup holds exactly what was deleted, as it was. --backup FILE names the backup (default a timestamped file in atom-ops' state directory; --no-backup to skip; an existing file is refused before anything is asked). Only rows that existed when the command started, and still match the selection when their batch comes, are deleted. Download files of deleted jobs are removed when they are regular files directly in downloads/jobs/, where AtoM writes them. An interrupted clear is finished by running it again; \`jobs restore FILE\` puts a backup back; \`jobs backups\` lists them (--keep-backups N prunes after a scripted clear).

Ctrl-C (SIGINT) or SIGTERM stops at once: the batch being deleted is rolled back (it stays in the database, and is marked so in the backup, even while it waits on a row AtoM holds); it says how many jobs were deleted and that each of them is in the backup, writes an audit record ("partial", or "failed" when nothing was deleted) and exits 6. Rows another clear or kill deleted first, or that AtoM changed so they no longer match, are counted as not deleted, not as an error.

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
    force: forceFlag('Do not ask (needed when standard input is not a terminal).', {char: 'f'}),
    backup: Flags.string({
      summary: 'Back up the deleted jobs to this file (default: a timestamped file in the state directory).',
      exclusive: ['no-backup'],
    }),
    'no-backup': Flags.boolean({summary: 'Delete without a backup.'}),
    'keep-backups': Flags.integer({
      min: 1,
      max: 100_000,
      summary:
        'After a clear that finished, keep only this many of the newest backups in the state directory (for scripted clears).',
      exclusive: ['backup'],
    }),
    queue: Flags.boolean({
      summary:
        "Also cancel this install's queued Gearman jobs of the deleted in-progress rows, where Gearman lets them be identified.",
    }),
    'batch-size': Flags.integer({hidden: true, default: 5000, min: 1, max: 20_000}),
    'batch-pause': Flags.integer({hidden: true, default: 0, min: 0, max: 60_000}),
  }

  async run(): Promise<ClearOutput> {
    const {flags} = this
    const filter = filterFromFlags(flags)
    if (flags.inactive && parseStatuses(flags.status)?.includes('running'))
      throw new UsageError('--inactive and --status running select nothing together')
    // Before anything is asked: an existing --backup FILE is refused now, not after the question.
    if (flags.backup && !flags['dry-run']) {
      await BackupWriter.checkPath(flags.backup).catch(async (error) => {
        await this.audit('refused', {backup: flags.backup, reason: describeError(error)})
        throw error
      })
    }

    const cfg = await this.settings()
    return withJobsSession(cfg, {install: true}, async (ctx) => {
      const plan = await planClear(ctx.db, ctx.clock, {filter, scope: ctx.scope})
      // The plan is a dry run's result, and what a question is about: --quiet leaves it out only with --force.
      if (!this.jsonEnabled() && (!this.io.quiet || !flags.force || flags['dry-run']))
        this.log(renderClearPlan(plan, this.view()))
      if (flags['dry-run']) {
        await this.audit('dry-run', {selection: plan.selection, wouldDelete: plan.total, groups: plan.groups})
        if (plan.total) this.note('Dry run: nothing was changed.')
        return {dryRun: true as const, plan}
      }

      if (plan.total === 0)
        return {
          dryRun: false as const,
          plan,
          backup: null,
          deleted: 0,
          alreadyGone: 0,
          batches: 0,
          files: {removed: 0, missing: 0, refused: []},
        }
      await this.confirmOrAbort(
        `Delete ${plan.total} job(s)${flags['no-backup'] ? ' WITHOUT a backup' : ''}?`,
        flags.force,
      )
      const stalePartials = await removeStalePartials()
      const bar = progressBar('clear', this.io.progress)
      // Ctrl-C / SIGTERM: roll back the batch in flight, then stop and say what was done (ClearStopped).
      const {interrupted} = this
      const onInterrupt = () => {
        bar.done()
        process.stderr.write(
          `atom-ops: ${String(interrupted.reason)} received: stopping; the batch in flight is rolled back\n`,
        )
      }

      interrupted.addEventListener('abort', onInterrupt, {once: true})
      try {
        const result = await runClear(ctx.db, plan, {
          filter,
          scope: ctx.scope,
          realRoot: ctx.realRoot!,
          backupPath: flags['no-backup'] ? null : flags.backup,
          queue: flags.queue,
          batchSize: flags['batch-size'],
          batchPauseMs: flags['batch-pause'],
          signal: interrupted,
          onProgress: (done, total) => bar.update(done, total, 'deleting'),
        })
        bar.done()
        const pruned = flags['keep-backups']
          ? (await applyPrune(planPrune(await listBackups(), {keep: flags['keep-backups']}))).removed
          : undefined
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
          stalePartialsRemoved: stalePartials.files,
          backupsPruned: pruned,
        })
        return this.output(
          {dryRun: false as const, ...result, stalePartials: stalePartials.files ? stalePartials : undefined, pruned},
          renderClearResult,
        )
      } catch (error) {
        bar.done()
        const progress = error instanceof ClearStopped ? error.progress : undefined
        // Truthful: "failed" when nothing was deleted, "partial" when some was.
        await this.audit(progress && progress.deleted > 0 ? 'partial' : 'failed', {
          selection: plan.selection,
          maxId: plan.maxId,
          planned: plan.total,
          ...(progress && {
            deleted: progress.deleted,
            alreadyGone: progress.alreadyGone,
            backup: progress.deleted > 0 ? progress.backup : null,
            interrupted: progress.interrupted,
          }),
          error: describeError(error),
        })
        throw error
      } finally {
        interrupted.removeEventListener('abort', onInterrupt)
      }
    })
  }
}

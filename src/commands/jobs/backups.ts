import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag, forceFlag} from '../../cli/flags.js'
import {UsageError} from '../../lib/errors.js'
import {backupDirectory} from '../../lib/jobs/backup.js'
import {applyPrune, type BackupsReport, listBackups, planPrune, removeStalePartials} from '../../lib/jobs/backups.js'
import {parseDuration} from '../../lib/util/duration.js'
import {BACKUP_LIST_COLUMNS, renderBackups} from '../../ui/jobs.js'

export default class JobsBackups extends BaseCommand<typeof JobsBackups> {
  static summary = 'List the backups jobs clear and jobs kill --delete wrote; prune old ones.'
  static description = `Lists the backups in atom-ops' state directory, oldest first, with size, date, format, job count and whether each is complete (a clear that was killed leaves a backup without its trailer: it still holds every batch it deleted). Unfinished backups of the old format left by killed runs are removed (they never held a deleted job).
--prune removes backups: all but the newest --keep N, and/or those older than --older-than; it shows what it would remove (--dry-run stops there), asks (--force for scripts) and writes an audit record.

${exitCodesHelp('jobs:backups')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --prune --keep 10 --dry-run',
    '<%= config.bin %> <%= command.id %> --prune --older-than 90d --force',
  ]
  static flags = {
    columns: columnsFlag(BACKUP_LIST_COLUMNS),
    prune: Flags.boolean({summary: 'Remove old backups (with --keep and/or --older-than).'}),
    keep: Flags.integer({
      min: 0,
      max: 100_000,
      summary: 'With --prune: keep this many of the newest.',
      dependsOn: ['prune'],
    }),
    'older-than': Flags.string({
      summary: 'With --prune: remove backups older than this: 30d, 12w.',
      dependsOn: ['prune'],
    }),
    'dry-run': Flags.boolean({
      summary: 'With --prune: show what would be removed, remove nothing.',
      dependsOn: ['prune'],
    }),
    force: forceFlag('With --prune: do not ask (needed when standard input is not a terminal).', {
      char: 'f',
      dependsOn: ['prune'],
    }),
  }

  async run(): Promise<BackupsReport> {
    const {flags} = this
    // Nothing here needs AtoM, but the global flags are checked as everywhere (a typo is an error, not ignored).
    await this.settings()
    if (flags.prune && flags.keep === undefined && flags['older-than'] === undefined)
      throw new UsageError('--prune needs --keep N and/or --older-than DURATION', 'Example: --prune --keep 10')
    const olderThanMs =
      flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'], '--older-than')
    const stalePartials = await removeStalePartials()
    const backups = await listBackups()
    const report: BackupsReport = {directory: backupDirectory(), backups, stalePartials}
    if (!flags.prune) return this.output(report, renderBackups)
    const plan = planPrune(backups, {keep: flags.keep, olderThanMs})
    report.prune = {dryRun: flags['dry-run'], remove: plan.remove.map((f) => f.path), removed: [], failed: []}
    if (flags['dry-run'] || plan.remove.length === 0) return this.output(report, renderBackups)
    if (!this.jsonEnabled()) this.log(renderBackups({...report, prune: {...report.prune, dryRun: true}}, this.view()))
    await this.confirmOrAbort(`Remove ${plan.remove.length} backup(s)?`, flags.force)
    const done = await applyPrune(plan)
    report.prune = {...report.prune, ...done}
    await this.audit(done.failed.length > 0 ? 'partial' : 'done', {removed: done.removed, failed: done.failed})
    if (done.failed.length > 0) this.setExitCode(6)
    return this.output({...report, backups: await listBackups()}, (r, view) => renderBackups(r, view, true))
  }
}

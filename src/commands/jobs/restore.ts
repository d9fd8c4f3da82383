import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {AtomOpsError, describeError} from '../../lib/errors.js'
import {restoreBackup, type RestoreReport} from '../../lib/jobs/backup.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {renderRestore} from '../../ui/jobs.js'
import {progressBar} from '../../ui/progress.js'

export default class JobsRestore extends BaseCommand<typeof JobsRestore> {
  static summary = 'Put back jobs from a backup written by `jobs clear` or `jobs kill --delete`, ids and all.'
  static description =
    'Reads both backup formats (1: plain NDJSON of whole jobs; 2: gzip, rows per table, a batch per delete). The whole file is read and checked first: every entry must be a QubitJob with its own notes and properties (a changed file restores nothing), and it must be a backup of this database (by name and server) unless --into-other-database. A file without its trailer (a clear that was killed) still holds every batch it deleted: those are restored, and the output says so. A job found twice is restored once and reported; jobs whose id is taken are skipped and listed; references to users or objects that no longer exist become NULL. Each batch is a transaction; running it again after an interruption finishes it.' +
    '\n\n' +
    exitCodesHelp('jobs:restore')
  static examples = [
    '<%= config.bin %> <%= command.id %> ~/.local/state/atom-ops/backups/jobs-2026-01-01T00-00-00-000Z.ndjson',
  ]
  static args = {file: Args.string({required: true, description: 'The backup file.'})}
  static flags = {
    'dry-run': Flags.boolean({summary: 'Check the file and count what would be restored; change nothing.'}),
    'into-other-database': Flags.boolean({
      summary: 'Restore a backup taken from another database (another name or server) into this one.',
    }),
  }

  async run(): Promise<RestoreReport> {
    const bar = progressBar('restore', this.io.progress)
    try {
      const report = await withJobsSession(await this.settings(), {}, (ctx) =>
        restoreBackup(ctx.db, this.args.file, {
          dryRun: this.flags['dry-run'],
          intoOtherDatabase: this.flags['into-other-database'],
          onProgress: (d, t) => bar.update(d, t),
        }),
      )
      bar.done()
      await this.audit(report.dryRun ? 'dry-run' : 'done', {
        file: report.file,
        jobs: report.jobs,
        restored: report.restored,
        skipped: report.skipped.length,
        duplicates: report.duplicates.length,
        incomplete: report.incomplete,
      })
      return this.output(report, renderRestore)
    } catch (error) {
      bar.done()
      // Only a restore that started writing is worth a record; bad input or an unreachable database changed nothing.
      if (!this.flags['dry-run'] && error instanceof AtomOpsError && error.kind === 'failed')
        await this.audit('partial', {file: this.args.file, error: describeError(error)})
      throw error
    }
  }
}

import {Flags} from '@oclif/core'
import {createWriteStream} from 'node:fs'
import {rename, unlink} from 'node:fs/promises'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {filterFlags, filterFromFlags} from '../../cli/flags.js'
import {AtomOpsError, OperationError, UsageError} from '../../lib/errors.js'
import {countJobs, EXPORT_FORMATS, type ExportFormat, exportJobs, type ExportResult} from '../../lib/jobs/export.js'
import {fixTimes} from '../../lib/jobs/filter.js'
import {withJobsSession} from '../../lib/jobs/session.js'
import {progressBar} from '../../ui/progress.js'

export default class JobsExport extends BaseCommand<typeof JobsExport> {
  static summary =
    "Export job history: AtoM's CSV (startDate,endDate,jobName,jobStatus,jobInfo,jobUser) or JSON with every field."
  static description =
    'Rows are streamed a page at a time (memory stays flat at millions of jobs) to --output FILE or standard output. A progress bar shows on stderr when it is a terminal. Takes the same filters as `jobs list`.\n\n' +
    'CSV is written for spreadsheets and terminals: a control character from the database (an escape sequence, BEL) is written as text (\\u001b), a newline, CR or tab stays data inside its quoted cell, and a cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading single quote. --raw writes every cell exactly as stored, for programs. JSON and NDJSON are always exact.\n\n' +
    'With --output the export is written to FILE.partial and renamed to FILE only when complete: a failed or interrupted export leaves no FILE (and removes FILE.partial). On standard output a failure part way says how many jobs were written: what came before it is incomplete.\n\n' +
    exitCodesHelp('jobs:export')
  static examples = [
    '<%= config.bin %> <%= command.id %> > atom-job-history.csv',
    '<%= config.bin %> <%= command.id %> --format ndjson --status error --output errors.ndjson',
    '<%= config.bin %> <%= command.id %> --raw --output history-for-a-program.csv',
  ]
  static flags = {
    ...filterFlags,
    format: Flags.string({
      summary: "csv (AtoM's export format), json (an array) or ndjson (one job per line).",
      default: 'csv',
      options: EXPORT_FORMATS,
    }),
    output: Flags.string({
      char: 'o',
      summary: 'Write to this file instead of standard output (written whole, then renamed into place).',
    }),
    raw: Flags.boolean({
      summary:
        'Write cells exactly as stored: no formula or control-character neutralising; for programs, not spreadsheets.',
    }),
    'page-size': Flags.integer({hidden: true, min: 1, max: 50_000}),
  }

  async run(): Promise<ExportResult & {file?: string}> {
    const {flags} = this
    const filter = filterFromFlags(flags)
    if (this.jsonEnabled() && !flags.output)
      throw new UsageError(
        '--json prints a summary, so it needs --output FILE for the export itself',
        'Use --format json to get the jobs as JSON on standard output.',
      )
    const cfg = await this.settings()
    const partial = flags.output ? `${flags.output}.partial` : undefined
    const out = partial ? createWriteStream(partial, {flags: 'wx'}) : process.stdout
    if (partial) {
      await new Promise<void>((resolve, reject) => {
        out.once('open', () => resolve())
        // A path that cannot be written is the operator's to change: a usage error.
        out.once('error', (e: NodeJS.ErrnoException) =>
          reject(
            new UsageError(
              `cannot write ${partial}: ${e.code ?? e.message}`,
              e.code === 'EEXIST'
                ? 'An old .partial file is never overwritten: remove it or choose another --output path.'
                : 'Choose an --output path in a directory that exists and can be written.',
            ),
          ),
        )
      })
    } else {
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0)
      })
    }

    const bar = progressBar('export', this.io.progress)
    // Ctrl-C / SIGTERM: stop after the current page, remove FILE.partial, say how far it got (exit 6).
    try {
      const result = await withJobsSession(cfg, {}, async (ctx) => {
        const fixed = fixTimes(filter, ctx.clock)
        const total = this.io.progress ? await countJobs(ctx.db, ctx.clock, fixed) : 0
        return exportJobs(ctx.db, ctx.clock, out, {
          filter: fixed,
          format: flags.format as ExportFormat,
          raw: flags.raw,
          pageSize: flags['page-size'],
          total,
          signal: this.interrupted,
          onProgress: (d, t) => bar.update(d, t),
        })
      })
      bar.done()
      if (partial && flags.output) {
        await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
        await rename(partial, flags.output)
        return this.output(
          {...result, file: flags.output},
          (r) => `Exported ${r.jobs} jobs (${r.bytes} bytes, ${r.format}) to ${r.file}.`,
        )
      }

      return result
    } catch (error) {
      bar.done()
      if (partial) {
        out.destroy()
        await unlink(partial).catch(() => undefined)
        if (error instanceof AtomOpsError && error.kind === 'failed')
          throw new OperationError(error.message, `Nothing was written to ${flags.output}. Run the export again.`)
      }

      throw error
    }
  }
}

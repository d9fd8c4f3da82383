import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {forceFlag} from '../../cli/flags.js'
import {applyDrop, dropDryRun, type DropReport, dropsToSend, prepareDrop} from '../../lib/queue/control.js'
import {renderDrop} from '../../ui/queue.js'

export default class QueueDrop extends BaseCommand<typeof QueueDrop> {
  static summary = 'Remove a Gearman function from the job servers, only when that is safe.'
  static description = `Takes a job class (arFindingAidJob: this install's function for it, with the prefix computed from the install's root and workers_key) or a full function name (prefix and class, as queue status --all shows it; also another install's or a function of no install). Reads each server's status first. gearmand refuses to drop a function while workers are connected (atom-ops reports that and sends nothing); with queued jobs and no worker gearmand would say OK and orphan the jobs, so atom-ops refuses unless the total is 0 or --force is given. Asks for confirmation, drops, then reads status again to verify. Every run (dry runs and refusals too) is written to the audit log.

${exitCodesHelp('queue:drop')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> arFindingAidJob --dry-run',
    '<%= config.bin %> <%= command.id %> 424b6ef096d623432cfda8de25d8db88-arFindingAidJob',
    '<%= config.bin %> <%= command.id %> 5f0c...-arObjectMoveJob --server 127.0.0.1:4730 --force --json',
  ]
  static args = {
    function: Args.string({
      required: true,
      description:
        'A job class of this install (arFindingAidJob), or a full function name as queue status --all shows it.',
    }),
  }
  static flags = {
    server: Flags.string({summary: 'Only this job server (host:port); default every configured server.'}),
    'dry-run': Flags.boolean({summary: 'Show what would be dropped or refused; send nothing.'}),
    force: forceFlag('Do not ask; drop even when jobs are queued (they are orphaned).', {char: 'f'}),
  }

  async run(): Promise<DropReport> {
    const cfg = await this.settings()
    const report = await this.carryOut({
      interrupt: {
        started: `the drop of ${this.args.function} was sent`,
        nothing: 'nothing was sent',
        check: 'atom-ops queue status --all',
        audit: () => ({function: this.args.function}),
      },
      plan: () => prepareDrop(cfg, {name: this.args.function, server: this.flags.server, force: this.flags.force}),
      question(prepared) {
        const where = dropsToSend(prepared)
        const fn = prepared.plan.function
        return where.length === 0
          ? undefined
          : `Drop function ${fn.function} (${fn.install}, ${fn.jobClass}) on ${where.map((t) => t.server).join(', ')}?`
      },
      force: this.flags.force,
      dryRun: this.flags['dry-run'],
      unapplied: (prepared) => dropDryRun(prepared, this.flags['dry-run']),
      apply: applyDrop,
      audited(r) {
        const dropped = r.servers.filter((s) => s.outcome === 'dropped').length
        return [
          r.dryRun ? 'dry-run' : r.exitCode === 0 ? 'done' : dropped > 0 ? 'partial' : 'failed',
          {
            function: r.function.function,
            typed: r.typed,
            force: r.force,
            servers: r.servers.map((s) => ({server: s.server, outcome: s.outcome, jobs: s.total})),
          },
        ]
      },
    })
    this.setExitCode(report.exitCode)
    return this.output(report, renderDrop)
  }
}

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {forceFlag} from '../../cli/flags.js'
import {applyCancel, cancelDryRun, type CancelReport, prepareCancel} from '../../lib/queue/control.js'
import {renderCancel} from '../../ui/queue.js'

export default class QueueCancel extends BaseCommand<typeof QueueCancel> {
  static summary = 'Cancel a queued Gearman job by handle (a running job cannot be stopped: said so).'
  static description = `Reads the job's state first ("show jobs" and GET_STATUS), asks for confirmation, sends "cancel job HANDLE", then reads the state again and reports what really happened:
- a waiting job is marked cancelled: it stays counted in queue status until a worker pulls it, which then discards it without running it;
- a running job is NOT stopped: gearmand marks it but the worker is not told and finishes it (exit 1). To stop it, restart that worker.
Without --server every configured job server is asked and the job is cancelled on the one that holds the handle; when several hold it (two gearmand on one host number their handles alike) nothing is sent and they are named: choose with --server. Every run (dry runs too) is written to the audit log.

${exitCodesHelp('queue:cancel')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> H:atom-host:42 --dry-run',
    '<%= config.bin %> <%= command.id %> H:atom-host:42',
    '<%= config.bin %> <%= command.id %> H:atom-host:42 --server 127.0.0.1:4730',
    '<%= config.bin %> <%= command.id %> H:atom-host:42 --force --json',
  ]
  static args = {
    handle: Args.string({required: true, description: 'Job handle as queue jobs shows it, e.g. H:atom-host:42.'}),
  }
  static flags = {
    server: Flags.string({
      summary:
        'host:port of the job server holding the job (default: every configured server is asked; needed when several hold the handle).',
    }),
    'dry-run': Flags.boolean({summary: 'Show the job and what cancelling would do; send nothing.'}),
    force: forceFlag('Do not ask for confirmation.', {char: 'f'}),
  }

  async run(): Promise<CancelReport> {
    const cfg = await this.settings()
    const report = await this.carryOut({
      interrupt: {
        started: `the cancel of ${this.args.handle} was sent`,
        nothing: 'nothing was sent',
        check: 'atom-ops queue jobs',
        audit: () => ({server: this.flags.server, handle: this.args.handle}),
      },
      plan: () => prepareCancel(cfg, {handle: this.args.handle, server: this.flags.server}),
      question: ({plan: p}) =>
        `Cancel job ${p.handle} on ${p.server}? It is ${p.before.running ? 'RUNNING: cancelling will not stop it' : 'waiting: it will be discarded when a worker pulls it'}.`,
      force: this.flags.force,
      dryRun: this.flags['dry-run'],
      unapplied: cancelDryRun,
      apply: applyCancel,
      audited: (r) => [
        r.dryRun ? 'dry-run' : r.exitCode === 0 ? 'done' : r.outcome === 'not-stopped' ? 'partial' : 'failed',
        {server: r.server, handle: r.handle, result: r.outcome, before: r.before, after: r.after},
      ],
    })
    this.setExitCode(report.exitCode)
    return this.output(report, renderCancel)
  }
}

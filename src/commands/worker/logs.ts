import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp, workerLogsExitCode} from '../../cli/exit-codes.js'
import {serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {workerLogs, type WorkerLogsReport} from '../../lib/service/worker.js'
import {inert} from '../../ui/text.js'
import {renderWorkerLogs} from '../../ui/worker.js'

export default class WorkerLogs extends BaseCommand<typeof WorkerLogs> {
  static summary = "The worker's log: the last lines, or a live tail."
  static description = `systemd: \`journalctl -u UNIT -n N --no-pager\` (with --since, --follow). supervisord: \`supervisorctl tail\` of the program's stdout log (its -N counts bytes: atom-ops asks for enough and keeps the last N lines); --since is not available there. Control characters in the log are shown escaped, never interpreted by the terminal. --follow runs until Ctrl-C.

${exitCodesHelp('worker:logs')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> -n 100',
    "<%= config.bin %> <%= command.id %> --since '1 hour ago'",
    '<%= config.bin %> <%= command.id %> -F',
  ]
  static flags = {
    ...serviceFlags,
    lines: Flags.integer({char: 'n', min: 1, max: 100_000, default: 50, summary: 'How many lines.'}),
    since: Flags.string({summary: "journalctl --since (e.g. '1 hour ago', '2026-11-29 02:00'); systemd only."}),
    follow: Flags.boolean({
      char: 'F',
      summary: 'Keep printing new lines until Ctrl-C (-F as in tail -F: -f is --force in every command).',
      exclusive: ['json'],
    }),
  }

  async run(): Promise<WorkerLogsReport & {exitCode: number}> {
    const many = (this.flags.host?.length ?? 0) > 1
    let follow
    if (this.flags.follow) {
      follow = {
        signal: this.interrupted,
        onLine: (host: string, line: string) => this.log(many ? `${inert(host)}: ${inert(line)}` : inert(line)),
      }
    }

    const report = await workerLogs(await this.settings(), serviceFlagValues(this.flags), {
      lines: this.flags.lines,
      since: this.flags.since,
      follow,
    })
    const exitCode = workerLogsExitCode(report)
    this.setExitCode(exitCode)
    return this.output({...report, exitCode}, renderWorkerLogs)
  }
}

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp, workerStatusExitCode} from '../../cli/exit-codes.js'
import {columnsFlag, serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {workerStatus, type WorkerStatusReport} from '../../lib/service/worker.js'
import {renderWorkerStatus, UNIT_COLUMNS} from '../../ui/worker.js'

export default class WorkerStatus extends BaseCommand<typeof WorkerStatus> {
  static summary =
    "The worker service on each host (state, since, PID, restarts, memory, last exit, start limit) and this install's workers per job class in Gearman."
  static description = `systemd: \`systemctl show\` (ActiveState, SubState, Result, MainPID, NRestarts, MemoryCurrent, ExecMainStatus, timestamps); a unit whose Result is start-limit-hit is flagged. supervisord: \`supervisorctl status\` (RUNNING, BACKOFF, FATAL, EXITED, STOPPED; pid, uptime) and the exit statuses in supervisord's log. An exit status of 111 is AtoM's planned exit at --max-job-count/--max-mem-usage. Hosts (--host, or the profile's) are asked in parallel over ssh; an unreachable host is reported and the others still are.

From every job server: how many workers this install (its function prefix) has per job class right now.

${exitCodesHelp('worker:status')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --unit 'atom-worker@*' --json",
    '<%= config.bin %> <%= command.id %> --manager supervisor --supervisor-config /etc/supervisor/supervisord.conf',
    '<%= config.bin %> <%= command.id %> --host deploy@worker-1 --host deploy@worker-2',
  ]
  static flags = {...serviceFlags, columns: columnsFlag(UNIT_COLUMNS)}

  async run(): Promise<WorkerStatusReport & {exitCode: number}> {
    const report = await workerStatus(await this.settings(), serviceFlagValues(this.flags))
    const exitCode = workerStatusExitCode(report)
    this.setExitCode(exitCode)
    return this.output({...report, exitCode}, renderWorkerStatus)
  }
}

import {exitCodesHelp} from '../../cli/exit-codes.js'
import {WorkerControlCommand} from '../../cli/worker-command.js'

export default class WorkerStart extends WorkerControlCommand {
  static summary =
    "Start the worker service (resetting systemd's start limit first when it was hit) and verify through Gearman."
  static description = `On every host in parallel: a unit at its start limit (systemd Result=start-limit-hit) gets \`systemctl reset-failed\` first, and the output says so; a supervisord program in FATAL is simply started. Then waits (up to --wait seconds) until this install's Gearman functions have available workers. Asks for confirmation unless --force; refuses without a terminal; writes an audit record.

${exitCodesHelp('worker:start')}`
  static examples = WorkerControlCommand.controlExamples
  protected readonly action = 'start' as const
}

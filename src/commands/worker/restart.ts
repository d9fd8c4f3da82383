import {exitCodesHelp} from '../../cli/exit-codes.js'
import {WorkerControlCommand} from '../../cli/worker-command.js'

export default class WorkerRestart extends WorkerControlCommand {
  static summary =
    "Restart the worker service, resetting systemd's start limit first when it was hit, and verify through Gearman."
  static description = `On every host (--host, the profile's hosts, or this machine) in parallel: reads each unit's state; a unit at its start limit (systemd Result=start-limit-hit) gets \`systemctl reset-failed\` first, and the output says so. Then restarts, and waits (up to --wait seconds) until this install's Gearman functions that had workers before have available workers again (all of gearman.yml's job classes on the server AtoM asks, when none had). Asks for confirmation unless --force; refuses without a terminal; writes an audit record.

${exitCodesHelp('worker:restart')}`
  static examples = WorkerControlCommand.controlExamples
  protected readonly action = 'restart' as const
}

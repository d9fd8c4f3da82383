import {exitCodesHelp} from '../../cli/exit-codes.js'
import {WorkerControlCommand} from '../../cli/worker-command.js'

export default class WorkerStop extends WorkerControlCommand {
  static summary =
    "Stop the worker service and verify through Gearman that this install's functions have no worker left."
  static description = `On every host in parallel, stops the units, then waits (up to --wait seconds) until no function with this install's prefix has an available worker on any job server. Jobs submitted meanwhile wait in gearmand (and AtoM's web app answers "No Gearman worker available"). Asks for confirmation unless --force; refuses without a terminal; writes an audit record.

${exitCodesHelp('worker:stop')}`
  static examples = WorkerControlCommand.controlExamples
  protected readonly action = 'stop' as const
}

import {BaseCommand, ExitCode} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {columnsFlag} from '../../cli/flags.js'
import {configReport, type ConfigReport} from '../../lib/config/report.js'
import {ConfigError} from '../../lib/errors.js'
import {CONFIG_COLUMNS, renderConfigReport} from '../../ui/config.js'

type ConfigShowResult = ConfigReport & {error?: ReturnType<BaseCommand<typeof ConfigShow>['errorJson']>}

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static summary = 'Show every effective setting and where it came from (password masked).'
  static description = `Reads the AtoM install as symfony does (parsed, never executed): config/config.php, and gearman.yml, app.yml and settings.yml each from config/ with apps/qubit/config/ merged over it, flattened for the web app (environment prod) and for the worker (environment worker). Applies the profile, ATOM_OPS_* variables and flags, and shows the result with the file and section each value came from: database, Gearman servers, the server the web app asks for worker availability, workers_key and the Gearman function prefix, what the worker sees, AtoM's timezone.

A part that cannot be resolved (no install at the root, an unreadable config.php) is marked NOT RESOLVED and the rest is still shown, what only the install could give as unknown; a missing root says to set --atom-root or run \`atom-ops config init\`. The first such problem is also printed as an error.

${exitCodesHelp('config:show')}`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --atom-root /var/www/atom --json',
    '<%= config.bin %> <%= command.id %> --profile staging',
  ]
  static flags = {
    columns: columnsFlag(CONFIG_COLUMNS),
  }

  async run(): Promise<ConfigShowResult> {
    const report = await configReport(await this.settings())
    const first = report.problems[0]
    if (!first) return this.output(report, renderConfigReport)
    const error = new ConfigError(first.message, first.hint)
    this.setExitCode(ExitCode.config)
    if (this.jsonEnabled()) return {...report, error: this.errorJson(error)}
    await this.output(report, renderConfigReport)
    this.printError(error)
    return report
  }
}

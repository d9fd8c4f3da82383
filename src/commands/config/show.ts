import {BaseCommand} from '../../base-command.js'
import {configReport, type ConfigReport} from '../../lib/context/report.js'
import {renderTable} from '../../ui/table.js'

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static summary = 'Show every effective setting and where it came from (password masked).'
  static description =
    'Reads config/config.php, config/gearman.yml and config/app.yml of the AtoM install (parsed, never executed), applies the profile, ATOM_OPS_* variables and flags, and shows the result: database, Gearman servers, the server AtoM asks for worker availability, workers_key and the Gearman function prefix.'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --atom-root /var/www/atom --json',
    '<%= config.bin %> <%= command.id %> --profile staging',
  ]

  async run(): Promise<ConfigReport> {
    const report = configReport(await this.settings())
    return this.output(report, (r) => renderTable(['setting', 'value', 'source'], r.settings.map((s) => [s.setting, s.value, s.source])))
  }
}

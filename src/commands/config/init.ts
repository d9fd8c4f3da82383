import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {forceFlag} from '../../cli/flags.js'
import {DISCOVERY_DEFAULTS, DISCOVERY_ENV} from '../../lib/discover/installs.js'
import {ConfigError, UsageError} from '../../lib/errors.js'
import {applyConfigInit, type ConfigInitPlan, type ConfigInitResult, planConfigInit} from '../../lib/settings/init.js'
import {renderConfigInit} from '../../ui/config-init.js'

/** `config init --json`: what was found, what the profile file holds after (or would, with --dry-run). */
/** config init's --json: the outcome, and the error when it could not write. */
export type ConfigInitJson = ConfigInitResult & {error?: ReturnType<BaseCommand<typeof ConfigInit>['errorJson']>}

export default class ConfigInit extends BaseCommand<typeof ConfigInit> {
  static summary = "Find this server's AtoM installs and write a profile for each to atom-ops' config file."
  static description = `Looks for AtoM installs (a directory with apps/qubit and config/config.php, or the symfony script and config/ProjectConfiguration.class.php) in ${DISCOVERY_DEFAULTS.searchPaths.join(', ')} and their subdirectories; in the working directories of running \`php … symfony jobs:worker\` processes (/proc: run as root to see other users' processes); in systemd units (${DISCOVERY_DEFAULTS.systemdUnitPaths.join(', ')}: ExecStart, WorkingDirectory, drop-ins) and supervisord programs (${DISCOVERY_DEFAULTS.supervisorConfigs.join(', ')}, their [include]s, and the -c of running supervisords). Every file is parsed, never executed.
Shows each install (where it was found, the worker's manager and unit, Gearman servers, database from config.php with the password masked) and the profile file it would write: one profile per install named after its directory (atom_root, and the worker's manager, unit and supervisor_config when found; the database and Gearman servers stay read from the install each time). Asks before writing (--force for scripts; refused without a terminal); a profile of the same name that differs is replaced only with --force, and the old file is always copied to FILE.<time>.bak first. An install another profile already names is left as it is.
--root DIR skips the search (the worker of DIR is still looked up); --name NAME names the profile, or picks one of several installs by its proposed name. The file is $ATOM_OPS_CONFIG, else $XDG_CONFIG_HOME/atom-ops/config.yml (~/.config/atom-ops/config.yml).
For tests and unusual layouts: ${DISCOVERY_ENV.searchPaths}, ${DISCOVERY_ENV.systemdUnitPaths} and ${DISCOVERY_ENV.supervisorConfigs} (colon-separated) replace those lists, ${DISCOVERY_ENV.procRoot} the /proc to read.

${exitCodesHelp('config:init')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    'sudo <%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --root /var/www/atom --name live --force',
    '<%= config.bin %> <%= command.id %> --search-path /home/atom --json --dry-run',
  ]
  static flags = {
    root: Flags.string({
      summary: 'Write a profile for this AtoM install only (no search; its worker is still looked up).',
    }),
    name: Flags.string({
      summary: 'Profile name (default: the install directory name); with several installs, picks the one of that name.',
    }),
    'search-path': Flags.string({
      multiple: true,
      summary: `Look here instead of the usual places: an install, or a directory holding installs; repeatable [env: ${DISCOVERY_ENV.searchPaths}, colon-separated].`,
    }),
    'dry-run': Flags.boolean({summary: 'Show what was found and the file that would be written; write nothing.'}),
    force: forceFlag('Do not ask (needed without a terminal); replace a profile of the same name that differs.', {
      char: 'f',
    }),
  }

  async run(): Promise<ConfigInitJson> {
    const f = this.flags
    // Global flags are checked as every command checks them (a typo in --db is an error here too).
    await this.settings()
    const plan = await planConfigInit({
      root: f.root ?? f['atom-root'],
      name: f.name,
      searchPaths: f['search-path'],
      force: f.force,
    })
    const result: ConfigInitJson = {...plan, dryRun: f['dry-run'], written: false, backup: null}
    const {profiles} = plan
    const problem = profiles
      ? conflictError(plan)
      : new ConfigError(
          plan.discovery.installs.length > 0
            ? 'the AtoM installs found are not installed yet (no config/config.php): no profile to write'
            : 'no AtoM install found',
          'Give it with --root DIR, or add places to look with --search-path DIR (run as root to see every worker process).',
        )
    if (problem) {
      this.setExitCode(problem.exitCode)
      if (this.jsonEnabled()) return {...result, error: this.errorJson(problem)}
      this.output(result, (r) => renderConfigInit(r, 'plan'))
      this.printError(problem)
      return result
    }

    if (f['dry-run'] || !profiles!.changed)
      return this.output(result, (r) => renderConfigInit(r, f['dry-run'] ? 'dry-run' : 'up-to-date'))
    if (!this.jsonEnabled()) this.log(renderConfigInit(result, 'plan'))
    const names = profiles!.changes.filter((c) => c.action === 'add' || c.action === 'replace').map((c) => c.name)
    await this.confirmOrAbort(
      `Write ${names.length === 1 ? `profile ${names[0]}` : `${names.length} profiles (${names.join(', ')})`} to ${plan.settingsFile}?`,
      f.force,
      {file: plan.settingsFile, profiles: names},
    )
    const {backup} = await applyConfigInit(plan)
    await this.audit('done', {
      file: plan.settingsFile,
      backup,
      profiles: profiles!.changes.map((c) => ({name: c.name, action: c.action, atomRoot: c.entry.atomRoot})),
    })
    return this.output({...result, written: true, backup}, (r) => renderConfigInit(r, 'written'))
  }
}

/** Profiles of the same name that differ, without --force: nothing is written. */
function conflictError(plan: ConfigInitPlan): UsageError | undefined {
  const conflicts = plan.profiles?.changes.filter((c) => c.action === 'conflict') ?? []
  if (conflicts.length === 0) return undefined
  const names = conflicts.map((c) => c.name).join(', ')
  return new UsageError(
    `${conflicts.length === 1 ? `profile ${names} exists` : `profiles ${names} exist`} in ${plan.settingsFile} with other settings: nothing written`,
    `--force replaces ${conflicts.length === 1 ? 'it' : 'them'} (the old file is copied to a .bak first), or --name picks another name.`,
  )
}

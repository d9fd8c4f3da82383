import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {cacheClearExitCode, exitCodesHelp} from '../../cli/exit-codes.js'
import {forceFlag, serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {applyCacheClear, cacheClearQuestion, type CacheClearReport, planCacheClear} from '../../lib/cache/clear.js'
import {renderCacheClear} from '../../ui/worker.js'

export default class CacheClear extends BaseCommand<typeof CacheClear> {
  static summary =
    "Clear Symfony's cache, APCu (restart php-fpm) and memcached: by default, everything the install uses."
  static description = `--symfony: \`php symfony cc\` in the install root (as the root's owner, through runuser when run as root) when php is on PATH; otherwise everything inside <root>/cache/ is removed, never outside it: symlinks are removed themselves and never followed, and the cache directory stays. Needed after editing gearman.yml or app.yml (the web app reads their compiled copies).
--php-fpm: APCu lives inside php-fpm, so the php*-fpm units are restarted through the service manager.
--memcached: \`flush_all\` to the memcached in app.yml's cache_engine_param (cache_engine sfMemcacheCache), or to --memcached-server.
Without a choice: Symfony, plus php-fpm for cache_engine sfAPCCache or memcached for sfMemcacheCache. Asks for confirmation unless --force (refuses without a terminal); --dry-run shows what would be cleared; writes an audit record.

${exitCodesHelp('cache:clear')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --symfony --force',
    '<%= config.bin %> <%= command.id %> --memcached --memcached-server 10.0.0.7:11211 --force',
  ]
  static flags = {
    symfony: Flags.boolean({summary: "Clear Symfony's cache (<root>/cache)."}),
    'php-fpm': Flags.boolean({summary: 'Restart the php*-fpm units (clears APCu).'}),
    memcached: Flags.boolean({summary: "Send flush_all to app.yml's memcached."}),
    'memcached-server': Flags.string({
      multiple: true,
      summary: "memcached host:port instead of app.yml's cache_engine_param (implies --memcached); repeatable.",
    }),
    'dry-run': Flags.boolean({summary: 'Show what would be cleared; change nothing.'}),
    force: forceFlag('Do not ask for confirmation (needed without a terminal).', {char: 'f'}),
    manager: serviceFlags.manager,
    'supervisor-config': serviceFlags['supervisor-config'],
  }

  async run(): Promise<CacheClearReport & {exitCode: number}> {
    const f = this.flags
    const cfg = await this.settings()
    const report = await this.carryOut({
      interrupt: {
        started: 'the cache clear was started',
        check: 'atom-ops cache clear --dry-run (then run the same clear again)',
        audit: () => ({symfony: f.symfony, phpFpm: f['php-fpm'], memcached: f.memcached}),
      },
      plan: () =>
        planCacheClear(
          cfg,
          {symfony: f.symfony, phpFpm: f['php-fpm'], memcached: f.memcached, memcachedServers: f['memcached-server']},
          serviceFlagValues(f),
        ),
      question: cacheClearQuestion,
      force: f.force,
      dryRun: f['dry-run'],
      unapplied: (plan) => plan.report,
      apply: applyCacheClear,
      audited: (r) => [
        r.outcome,
        {
          root: r.root,
          symfony: r.symfony?.result
            ? {method: r.symfony.result.method, removed: r.symfony.result.removed ?? null}
            : r.symfony?.error?.message,
          phpFpm: r.phpFpm ? {units: r.phpFpm.units, steps: r.phpFpm.steps, skipped: r.phpFpm.skipped} : undefined,
          memcached: r.memcached,
        },
      ],
    })
    const exitCode = cacheClearExitCode(report)
    this.setExitCode(exitCode)
    return this.output({...report, exitCode}, renderCacheClear)
  }
}

import * as Flags from '@oclif/core/flags'

import type {AuditRecord} from '../../lib/audit/audit.js'

import {BaseCommand} from '../../cli/base-command.js'
import {doctorJson, exitCodesHelp, GUARD_RUN_EXIT_CODES} from '../../cli/exit-codes.js'
import {serviceFlags, serviceFlagValues} from '../../cli/flags.js'
import {AtomOpsError, describeError} from '../../lib/errors.js'
import {type GuardRunReport, runGuard} from '../../lib/guard/run.js'
import {GuardBusy} from '../../lib/guard/state.js'
import {renderGuardRun} from '../../ui/guard.js'

const AUDIT_OUTCOME: Record<GuardRunReport['actions'][number]['outcome'], AuditRecord['outcome']> = {
  done: 'done',
  failed: 'failed',
  skipped: 'refused',
  planned: 'dry-run',
}

export default class GuardRun extends BaseCommand<typeof GuardRun> {
  static summary =
    "Apply the guard policy once: doctor's checks, the safe fixes the policy allows, retention; notify when something changed."
  static description = `The policy is the profile's guard: settings in atom-ops' config file (the file's top-level guard: without a profile; none at all: check and notify only). One run: doctor's checks; the fixes the policy lists in fix: (restart-worker: reset the start limit and restart, verified through Gearman; clear-config-cache: clear Symfony's cache after a config change; fail-zombies: mark in-progress rows older than zombie_grace with nothing in Gearman behind them failed, as jobs kill does), at most max_restarts_per_hour restarts an hour (then it stops restarting and alerts once); retention (jobs clear --inactive --older-than with its backup, then the newest keep_backups kept), once per retention.every (default 1d); doctor again after a fix. Notifications only when something changed: the verdict (OK to CRITICAL, back to OK), a fix applied or failed, the rate limit reached; through notify_exec (the event as JSON on stdin), notify_url (POSTed as JSON) and notify_mail (the local sendmail -t). Every action and every skipped action is an audit record. One run at a time per install (a lock in the state directory, where the state between runs is kept). --dry-run shows what it would do and would notify, and changes, sends and saves nothing.

${exitCodesHelp('guard:run')}`
  static examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --profile main',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static flags = {
    'dry-run': Flags.boolean({summary: 'Show what the policy would do and notify; change, send and save nothing.'}),
    ...serviceFlags,
  }

  async run(): Promise<GuardRunReport> {
    const dryRun = this.flags['dry-run']
    const config = await this.settings()
    const interrupt = this.guardInterrupts({
      started: 'the guard run began applying its policy',
      check: 'atom-ops guard status (and the audit log)',
      audit: () => ({guard: config.profile ?? 'default'}),
    })
    if (!dryRun) interrupt.begin()
    let report: GuardRunReport
    try {
      report = await runGuard(config, {
        dryRun,
        service: serviceFlagValues(this.flags),
        exitCodeOf: (outcome) => GUARD_RUN_EXIT_CODES[outcome],
      })
    } catch (error) {
      if (error instanceof GuardBusy) {
        await this.audit('refused', {guard: config.profile ?? 'default', reason: error.message})
        throw new AtomOpsError(
          'problems',
          error.message,
          'It finishes by itself; atom-ops guard status shows it. A lock left by a run that died is taken over by the next run.',
        )
      }

      await this.audit('failed', {guard: config.profile ?? 'default', error: describeError(error)})
      throw error
    } finally {
      interrupt.release()
    }

    for (const a of report.actions) {
      await this.audit(AUDIT_OUTCOME[a.outcome], {
        guard: report.name,
        action: a.action,
        because: a.because,
        message: a.message,
        ...a.details,
      })
    }

    const exitCode = GUARD_RUN_EXIT_CODES[report.outcome]
    const delivered = report.notifications.every((n) => n.ok)
    const outcome: AuditRecord['outcome'] = dryRun
      ? 'dry-run'
      : report.actions.some((a) => a.outcome === 'failed') || !delivered
        ? 'partial'
        : 'done'
    await this.audit(outcome, {
      guard: report.name,
      run: 'summary',
      verdict: report.verdict,
      previous: report.previous,
      changes: report.changes,
      notifications: report.notifications,
      exitCode,
    })
    this.setExitCode(exitCode)
    return this.output(
      {...report, before: doctorJson(report.before), after: report.after && doctorJson(report.after), exitCode},
      renderGuardRun,
    )
  }
}

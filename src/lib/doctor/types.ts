/**
 * Nagios/Icinga order: ok < warning < critical; unknown when a check could not run; skipped when it does
 * not apply; info for a fact worth showing that is not a problem (counts as OK).
 */
export type CheckStatus = 'ok' | 'warning' | 'critical' | 'unknown' | 'skipped' | 'info'

/** A safe fix doctor --fix may apply; each kind is implemented once in fixes.ts. */
export type FixAction =
  {kind: 'reset-and-restart-worker'} | {kind: 'clear-symfony-cache'} | {kind: 'kill-zombies'; jobIds: number[]}

export interface CheckResult {
  /** Stable id, e.g. `gearman.availability-server`. */
  id: string
  title: string
  status: CheckStatus
  /** One line: what was found. */
  summary: string
  /** The facts behind it, one per line. */
  evidence: string[]
  /** The exact command that fixes it, for an operator to run. */
  fix?: string
  /** When set, `doctor --fix` can apply it. */
  action?: FixAction
  /**
   * How directly this explains the failure, for ranking (lower = closer to the root cause). A failed worker
   * service explains missing functions, which explain the 500 error; the root cause ranks first.
   */
  rank: number
  durationMs?: number
  /** Figures a check measured that the report's metrics (and --nagios performance data) show. */
  metrics?: {zombies?: number; oldestInProgressSeconds?: number | null}
}

/** AtoM's fixed term ids for jobs (QubitTerm constants); see shared/reference/atom-jobs.md. */
export const TERM_IDS = {
  inProgress: 183,
  completed: 184,
  error: 185,
  errorNote: 197,
  generalNote: 125,
} as const

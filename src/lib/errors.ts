/**
 * Every failure a user can cause or meet is one of these. The base command maps them to one line,
 * a hint and an exit code; nothing else reaches the terminal as a stack trace.
 */
export const ExitCode = {
  ok: 0,
  /** The command ran, and what it found or did needs attention (zombies found, a step failed). */
  problems: 1,
  /** Bad flags, arguments or values typed by the user. */
  usage: 2,
  /** AtoM's or atom-ops' configuration is missing, unreadable or does not parse. */
  config: 3,
  /** A service (MySQL, gearmand, memcached, ssh, the service manager) could not be reached in time. */
  unreachable: 4,
  /** A destructive command was not confirmed (declined, or no --force without a terminal). */
  aborted: 5,
  /** An operation failed part way; the message says what was done. */
  failed: 6,
} as const
export type ExitCodeName = keyof typeof ExitCode

export class AtomOpsError extends Error {
  readonly exitCode: number
  readonly hint?: string
  readonly kind: ExitCodeName

  constructor(kind: ExitCodeName, message: string, hint?: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'AtomOpsError'
    this.kind = kind
    this.exitCode = ExitCode[kind]
    this.hint = hint
  }
}

export class UsageError extends AtomOpsError {
  constructor(message: string, hint?: string) {
    super('usage', message, hint)
  }
}

export class ConfigError extends AtomOpsError {
  constructor(message: string, hint?: string, options?: {cause?: unknown}) {
    super('config', message, hint, options)
  }
}

export class UnreachableError extends AtomOpsError {
  readonly service: string

  constructor(service: string, message: string, hint?: string, options?: {cause?: unknown}) {
    super('unreachable', message, hint, options)
    this.service = service
  }
}

export class AbortedError extends AtomOpsError {
  constructor(message: string, hint?: string) {
    super('aborted', message, hint)
  }
}

export class OperationError extends AtomOpsError {
  constructor(message: string, hint?: string, options?: {cause?: unknown}) {
    super('failed', message, hint, options)
  }
}

/** Short text of any thrown value, for messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

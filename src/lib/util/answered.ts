import {AtomOpsError, describeError, ExitCode, type ExitCodeName} from '../errors.js'

/**
 * Why a server or host gave no answer, or a part of a step failed: the error's kind, one line, its
 * hint, and the exit code that kind stands for (named in ExitCode; --json shows it).
 */
export interface Problem {
  kind: ExitCodeName
  message: string
  hint?: string
  exitCode: number
}

/** Anything thrown as a Problem: an AtomOpsError keeps its kind and hint; anything else is a failure. */
export function problemOf(error: unknown): Problem {
  if (error instanceof AtomOpsError)
    return {kind: error.kind, message: error.message, hint: error.hint, exitCode: error.exitCode}
  return {kind: 'failed', message: describeError(error), exitCode: ExitCode.failed}
}

/**
 * A server or host that answered (its value) or did not (why): the one shape every "ask each one, one
 * failure never hides the others" result takes. `where` is how the caller names it (a HostPort, a label);
 * the error is a Problem, or the Error thrown while it is still to be told apart (gearman's kinds).
 */
export type Answered<Where, T, E = Problem> = {where: Where; ok: true; value: T} | {where: Where; ok: false; error: E}

/** Runs fn for each place in parallel; one that throws is an answer with its error, never a rejection. */
export async function askEach<Where, T>(
  places: Where[],
  fn: (where: Where) => Promise<T>,
): Promise<Array<Answered<Where, T, Error>>> {
  return Promise.all(
    places.map(async (where): Promise<Answered<Where, T, Error>> => {
      try {
        return {where, ok: true, value: await fn(where)}
      } catch (error) {
        return {where, ok: false, error: error instanceof Error ? error : new Error(String(error))}
      }
    }),
  )
}

/**
 * How a list in --json shows one server: its host:port, whether it answered, and why not (a line, or a
 * problem with its kind). Each result adds what the server said.
 */
export interface ServerLine<E = string> {
  /** host:port */
  server: string
  ok: boolean
  error?: E
}

/** The Problems of the places (servers, hosts) that did not answer. */
export function problemsOf(answers: ReadonlyArray<{ok: true} | {ok: false; error: Problem}>): Problem[] {
  return answers.flatMap((a) => (a.ok ? [] : [a.error]))
}

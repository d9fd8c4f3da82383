import type {Command} from '@oclif/core'

import type {CliResult} from './cli.js'

const ROOT = new URL('../../', import.meta.url)

/** The source of a command by its id: `jobs:list` is src/commands/jobs/list.ts, a topic's own command (`doctor`) its index.ts. */
export function commandSource(id: string): URL {
  const path = id.includes(':') ? id.replaceAll(':', '/') : `${id}/index`
  return new URL(`src/commands/${path}.ts`, ROOT)
}

/**
 * Runs one command in this process from its source, as oclif does once it has found it (the id set, the
 * project's oclif config loaded), with what it writes to stdout and stderr captured and its exit code:
 * the unit tier's way of running a command. Only for runs that need no service (a flag or usage error,
 * config show of files). `env` replaces every ATOM_OPS_* variable for the run, as runCli starts from a
 * clean environment; the rest of process.env is left alone.
 */
export async function runInProcess(id: string, argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const command = (await import(commandSource(id).href)).default as Command.Class
  command.id = id
  const saved = {
    env: {...process.env},
    exitCode: process.exitCode,
    out: process.stdout.write,
    err: process.stderr.write,
  }
  let stdout = ''
  let stderr = ''
  // Text is the command's; anything else (the test runner's own reports) goes through.
  const capture = (original: typeof process.stdout.write, append: (text: string) => void) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string') return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
      append(chunk)
      return true
    } as typeof process.stdout.write
  for (const key of Object.keys(process.env)) if (key.startsWith('ATOM_OPS_')) delete process.env[key]
  Object.assign(process.env, env)
  process.exitCode = undefined
  process.stdout.write = capture(saved.out, (t) => (stdout += t))
  process.stderr.write = capture(saved.err, (t) => (stderr += t))
  let code: number
  try {
    await command.run(argv, ROOT.pathname)
    code = Number(process.exitCode ?? 0)
  } catch (error) {
    // this.exit(n), which BaseCommand's error mapping ends with, throws oclif's ExitError.
    const exit = (error as {oclif?: {exit?: number}}).oclif?.exit
    if (exit === undefined) throw error
    code = exit
  } finally {
    process.stdout.write = saved.out
    process.stderr.write = saved.err
    process.exitCode = saved.exitCode
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key]
    Object.assign(process.env, saved.env)
  }

  let json: unknown
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined
  } catch {
    json = undefined
  }

  return {code, signal: null, stdout, stderr, json}
}

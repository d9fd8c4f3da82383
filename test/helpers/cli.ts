import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON when it is JSON. */
  json?: any
}

/**
 * Runs the built CLI as a user would (a separate process, no terminal on stdin unless given input).
 * The environment is the caller's env only, plus PATH and HOME: nothing from the developer's shell leaks in.
 */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runProgram(process.execPath, [BIN, ...args], options)
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
  user?: {uid: number; gid: number}
  /** Run with exactly this environment (e.g. a PATH without node), nothing added. */
  exactEnv?: boolean
  cwd?: string
}

/** As runCli, for any program: a packaged atom-ops, a shell. */
export function runProgram(command: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.exactEnv
        ? options.env
        : {PATH: process.env.PATH, HOME: options.env?.HOME ?? process.env.HOME, NODE_ENV: 'production', ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: options.cwd,
      // As another (unprivileged) user: the test runs as root.
      ...options.user,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      let json: unknown
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined
      } catch {
        json = undefined
      }

      resolve({code, signal, stdout, stderr, json})
    })
    // A program that exits without reading its input (man -w, a failed start) closes the pipe first: not an error.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

import {spawn, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** script(1) gives the CLI a real pseudo-terminal: prompts, colours and widths behave as for a person. */
export const hasScript = spawnSync('script', ['--version']).status === 0

export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/** What a person sees: escape sequences and the terminal's carriage returns taken out. */
export function plainScreen(output: string): string {
  return output.replaceAll(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replaceAll('\r', '')
}

export interface PtyResult {
  code: number | null
  /** Everything the terminal showed (stdout and stderr together, as on a screen). */
  output: string
}

/**
 * Runs atom-ops on a pseudo-terminal of `columns` columns. Each answer is typed once its prompt (a
 * regular expression on what the screen shows) has appeared: the test waits on the screen, not on time.
 */
export function runInPty(
  args: string[],
  options: {
    env: NodeJS.ProcessEnv
    answers?: Array<{when: RegExp; type: string}>
    columns?: number
    rows?: number
    timeoutMs?: number
  },
): Promise<PtyResult> {
  const env = Object.entries({TERM: 'xterm', ...options.env})
    .map(([k, v]) => `${k}=${shellQuote(String(v))}`)
    .join(' ')
  const inner = `stty cols ${options.columns ?? 120} rows ${options.rows ?? 50}; env ${env} ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(' ')}`
  const child = spawn('script', ['-qfec', inner, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe']})
  let output = ''
  const pending = [...(options.answers ?? [])]
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d
    while (pending.length > 0 && pending[0].when.test(output)) child.stdin.write(pending.shift()!.type)
  })
  child.stderr.resume()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('close', (code) => {
      clearTimeout(kill)
      resolve({code, output})
    })
  })
}

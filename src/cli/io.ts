import {spawn} from 'node:child_process'

import type {View} from '../ui/view.js'

import {CHILD_ENV_ALLOWED, splitWords} from '../lib/remote/runner.js'
import {textWidth} from '../ui/table.js'

/** The pager when $ATOM_OPS_PAGER and $PAGER are unset: quits by itself when the text fits one screen, keeps colours. */
export const DEFAULT_PAGER = 'less -FRX'

/** What the global flags say about output; the rest comes from the streams and the environment. */
export interface IOFlags {
  json: boolean
  /** --color (true), --no-color (false), neither (undefined). */
  color?: boolean
  noPager?: boolean
  quiet?: boolean
  verbose?: boolean
  wide?: boolean
}

interface Stream {
  isTTY?: boolean
  columns?: number
  rows?: number
}

/**
 * Whether to colour a stream: --no-color or --color first; then FORCE_COLOR (any value but 0 or
 * false forces it, as node's own FORCE_COLOR, which also wins over NO_COLOR); then NO_COLOR (set and
 * not empty: never); otherwise only on a terminal that is not TERM=dumb.
 */
export function colourWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flag !== undefined) return flag
  const force = env.FORCE_COLOR
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase())
  if (env.NO_COLOR) return false
  return isTTY && env.TERM !== 'dumb'
}

/**
 * The pager's argument vector: $ATOM_OPS_PAGER, else $PAGER, else `less -FRX`; split into words as a
 * shell would (quotes group) but never run through one. Empty or `cat`: no pager.
 */
export function pagerArgv(env: NodeJS.ProcessEnv): string[] | undefined {
  const text = env.ATOM_OPS_PAGER ?? env.PAGER ?? DEFAULT_PAGER
  const argv = splitWords(text, {what: 'the pager command ($ATOM_OPS_PAGER or $PAGER)', example: "PAGER='less -FRX'"})
  if (argv.length === 0 || argv[0] === 'cat') return undefined
  return argv
}

/**
 * The pager's environment: what every program atom-ops runs may see, plus the locale (it shows … and
 * accents) and the pager's own settings (LESS=FRX and LV=-c unless set, as git and gh do). Never
 * ATOM_OPS_* (the database password may be there) nor anything else from the operator's shell.
 */
export function pagerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {}
  for (const name of [...CHILD_ENV_ALLOWED, 'LC_ALL', 'LC_CTYPE', 'LESSCHARSET', 'TERMINFO', 'COLORTERM'])
    if (env[name] !== undefined) out[name] = env[name]
  return {...out, LESS: env.LESS ?? 'FRX', LV: env.LV ?? '-c'}
}

/** How many terminal lines a text takes, long lines wrapping. */
export function screenLines(text: string, columns: number): number {
  return text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(textWidth(line) / Math.max(1, columns))), 0)
}

/**
 * The streams of one run and what they allow, decided once (like gh's iostreams): terminals, width,
 * colour, paging, --quiet and --verbose. Renderers get a View from it; only this object writes
 * through a pager.
 */
export class IOStreams {
  readonly stdoutIsTTY: boolean
  readonly stdinIsTTY: boolean
  readonly stderrIsTTY: boolean
  readonly colour: boolean
  /** Colour for what goes to stderr (prompts). */
  readonly stderrColour: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  private readonly pager: string[] | undefined

  constructor(
    private readonly flags: IOFlags,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly out: Stream & {write(text: string): unknown} = process.stdout,
    input: Stream = process.stdin,
    err: Stream = process.stderr,
  ) {
    this.stdoutIsTTY = Boolean(out.isTTY)
    this.stdinIsTTY = Boolean(input.isTTY)
    this.stderrIsTTY = Boolean(err.isTTY)
    this.colour = !flags.json && colourWanted(flags.color, env, this.stdoutIsTTY)
    this.stderrColour = colourWanted(flags.color, env, this.stderrIsTTY)
    this.quiet = Boolean(flags.quiet)
    this.verbose = Boolean(flags.verbose)
    // Only a terminal is paged: never a pipe, a file or --json.
    this.pager = this.stdoutIsTTY && !flags.json && !flags.noPager ? pagerArgv(env) : undefined
  }

  /** The terminal's width, when tables must fit one: not in a pipe, not with --wide, not when the terminal does not say. */
  get columns(): number | undefined {
    if (!this.stdoutIsTTY || this.flags.wide) return undefined
    return this.out.columns || undefined
  }

  /** Progress bars and status lines: only on a terminal (stderr), never with --json or --quiet. */
  get progress(): boolean {
    return this.stderrIsTTY && !this.flags.json && !this.quiet
  }

  view(columns?: readonly string[]): View {
    return {width: this.columns, colour: this.colour, quiet: this.quiet, verbose: this.verbose, columns}
  }

  /**
   * Writes human output: through the pager when stdout is a terminal and the text is longer than the
   * screen, otherwise straight to stdout. A pager that cannot start leaves the text printed as usual.
   */
  async print(text: string): Promise<void> {
    const rows = this.out.rows ?? 0
    if (!this.pager || rows <= 0 || screenLines(text, this.out.columns || 80) < rows) {
      this.out.write(text + '\n')
      return
    }

    if (!(await this.page(this.pager, text + '\n'))) this.out.write(text + '\n')
  }

  /** true when the pager ran (whatever its exit status); false when it could not be started. */
  private page(argv: string[], text: string): Promise<boolean> {
    return new Promise((resolve) => {
      // Ctrl-C belongs to the pager while it runs (less uses it to stop a search), as git and gh do.
      const ignore = () => undefined
      process.on('SIGINT', ignore)
      const child = spawn(argv[0], argv.slice(1), {stdio: ['pipe', 'inherit', 'inherit'], env: pagerEnv(this.env)})
      let started = false
      child.on('spawn', () => {
        started = true
        // The reader may quit before reading everything (q in less): that is not an error.
        child.stdin.on('error', () => undefined)
        child.stdin.end(text)
      })
      let finished = false
      const done = (ran: boolean) => {
        if (finished) return
        finished = true
        process.off('SIGINT', ignore)
        resolve(ran)
      }

      child.on('error', () => {
        if (!started) done(false)
      })
      child.on('close', () => done(true))
    })
  }
}

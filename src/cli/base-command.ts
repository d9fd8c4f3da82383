import type {Interfaces} from '@oclif/core'

import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'

import {type AuditRecord, writeAudit} from '../lib/audit/audit.js'
import {type GlobalOptions, parseTimeoutSeconds, resolveConfig, type ResolvedConfig} from '../lib/config/resolve.js'
import {urlCarriesPassword} from '../lib/db/target.js'
import {AbortedError, AtomOpsError, describeError, OperationError, UsageError} from '../lib/errors.js'
import {nearest} from '../lib/util/nearest.js'
import {scrub} from '../lib/util/secrets.js'
import {inert} from '../lib/util/text.js'
import {paint, type Style, type View} from '../ui/view.js'
import {secondsFlag, serviceFlags} from './flags.js'
import {IOStreams} from './io.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
type GlobalFlags = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

const GLOBAL = 'GLOBAL'

const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export const DB_PASSWORD_IN_ARGV =
  '--db carries a password: every local user can see it in ps; use ATOM_OPS_DB_PASSWORD or --db-password-file'

/** What an interrupted destructive command says (see BaseCommand.guardInterrupts). */
export interface InterruptReport {
  /** What may have taken effect once begun, e.g. "the drop of X was sent". */
  started: string
  /** The command that shows the real state. */
  check: string
  /** Before it began (default "nothing was changed"). */
  nothing?: string
  /** Details for the 'partial' audit record. */
  audit: () => Record<string, unknown>
}

/** A destructive step as BaseCommand.carryOut runs it. */
export interface DestructiveStep<P, R> {
  /** What an interrupt says, and the audit details of the step. */
  interrupt: InterruptReport
  /** Read-only: what would be done. */
  plan: () => Promise<P>
  /** Shown (not with --json) once planned, before the question or the dry run's result. */
  preview?: (plan: P) => void
  /** The confirmation question; undefined when there is nothing to change (nothing is asked or applied). */
  question: (plan: P) => string | undefined
  force: boolean
  dryRun: boolean
  /** The result when nothing is applied: a dry run, or nothing to change. */
  unapplied: (plan: P) => R
  /** Changes things, verifies, and says what happened; the signal aborts at a safe point. */
  apply: (plan: P, signal: AbortSignal) => Promise<R>
  /** The audit record of the result. */
  audited: (result: R) => [AuditRecord['outcome'], Record<string, unknown>]
}

export interface InterruptGuard {
  /** From now on an interrupt may leave the step done: report it as such. */
  begin(): void
  /** Whether begin() was called: the step may have taken effect. */
  readonly begun: boolean
  release(): void
}

/**
 * The one base of every atom-ops command: global flags (each with an ATOM_OPS_* twin), configuration
 * resolution, error mapping (one line, a hint, a documented exit code), JSON and human rendering,
 * confirmation of destructive steps and the audit record.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    'atom-root': Flags.string({
      helpGroup: GLOBAL,
      summary: 'AtoM install directory [env: ATOM_OPS_ATOM_ROOT] (default /usr/share/nginx/atom).',
    }),
    db: Flags.string({
      helpGroup: GLOBAL,
      summary:
        'MySQL URL overriding config.php, mysql://user@host:3306/atom; its password from ATOM_OPS_DB_PASSWORD or --db-password-file (a password in the URL shows in ps) [env: ATOM_OPS_DB].',
    }),
    'db-password-file': Flags.string({
      helpGroup: GLOBAL,
      summary:
        'File whose first line is the password of the --db URL; readable by its owner only [env: ATOM_OPS_DB_PASSWORD_FILE].',
    }),
    gearman: Flags.string({
      helpGroup: GLOBAL,
      multiple: true,
      summary:
        'Gearman job server host:port, repeatable; overrides gearman.yml [env: ATOM_OPS_GEARMAN, comma-separated].',
    }),
    'workers-key': Flags.string({
      helpGroup: GLOBAL,
      summary: "Override app.yml's workers_key [env: ATOM_OPS_WORKERS_KEY].",
    }),
    profile: Flags.string({
      helpGroup: GLOBAL,
      summary: "Named AtoM install from atom-ops' config file [env: ATOM_OPS_PROFILE].",
    }),
    timeout: secondsFlag((text) => parseTimeoutSeconds(text, '--timeout'))({
      helpGroup: GLOBAL,
      summary: 'Seconds to wait for any service, more than 0 and at most 3600 [env: ATOM_OPS_TIMEOUT] (default 5).',
    }),
    timezone: Flags.string({
      helpGroup: GLOBAL,
      summary: "AtoM's timezone, when its settings.yml and php.ini do not give it [env: ATOM_OPS_TIMEZONE].",
    }),
    debug: Flags.boolean({helpGroup: GLOBAL, summary: 'Show stack traces of errors.'}),
    color: Flags.boolean({
      helpGroup: GLOBAL,
      allowNo: true,
      summary:
        'Colour always (--color) or never (--no-color). Default: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it.',
    }),
    'no-pager': Flags.boolean({
      helpGroup: GLOBAL,
      summary:
        'Never page output. Default: output longer than the terminal goes through $ATOM_OPS_PAGER, $PAGER or less -FRX (PAGER=cat or empty: no pager); never in a pipe or with --json.',
    }),
    quiet: Flags.boolean({
      helpGroup: GLOBAL,
      char: 'q',
      exclusive: ['verbose'],
      summary: 'Errors and the essential result only: no previews, notes or progress.',
    }),
    verbose: Flags.boolean({
      helpGroup: GLOBAL,
      summary: 'Everything in full: every row of a plan, every name of a list.',
    }),
    wide: Flags.boolean({
      helpGroup: GLOBAL,
      summary: 'Tables at full width, every column, whatever the terminal width (a pipe always gets them so).',
    }),
  }
  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** The streams and what they allow (terminal, width, colour, pager, --quiet/--verbose), decided once. */
  protected io!: IOStreams
  private resolved?: ResolvedConfig

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags, raw} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.givenTargetFlags = targetFlagsGiven(raw)
    this.io = new IOStreams({
      json: this.jsonEnabled(),
      color: flags.color,
      noPager: flags['no-pager'],
      quiet: flags.quiet,
      verbose: flags.verbose,
      wide: flags.wide,
    })
    rejectBlankValues(flags as Record<string, unknown>)
    // Once per run, on stderr (never in --json's stdout): the whole command line is public on this host.
    if (typeof flags.db === 'string' && urlCarriesPassword(flags.db))
      process.stderr.write(`atom-ops: warning: ${DB_PASSWORD_IN_ARGV}\n`)
  }

  /** The effective configuration (flags, env, profile, the install's files), resolved once. */
  protected async settings(): Promise<ResolvedConfig> {
    this.resolved ??= await resolveConfig(this.globalOptions())
    return this.resolved
  }

  /**
   * The flags given on the command line (not from the environment or a profile) that choose the install, its
   * database and Gearman servers, and the worker's service; a suggested command carries them so that it
   * works when copied as printed.
   */
  protected targetArgs(): {global: string[]; service: string[]} {
    return this.givenTargetFlags
  }

  private givenTargetFlags: {global: string[]; service: string[]} = {global: [], service: []}

  /** The global flags as typed, for resolving another profile's configuration with the same overrides. */
  protected globalOptions(): GlobalOptions {
    // In this generic base the command's own flags are unknown; the global ones are these, as oclif parsed them.
    const f: GlobalFlags = this.flags
    return {
      atomRoot: f['atom-root'],
      db: f.db,
      dbPasswordFile: f['db-password-file'],
      gearman: f.gearman,
      workersKey: f['workers-key'],
      profile: f.profile,
      timeout: f.timeout,
      timezone: f.timezone,
    }
  }

  /** How renderers draw for this run: width, colour, --quiet, --verbose and the command's --columns. */
  protected view(): View {
    return this.io.view((this.flags as {columns?: string[]}).columns)
  }

  /**
   * Prints the human form unless --json is on (paged on a terminal when longer than the screen);
   * returns the result so oclif prints it as JSON.
   */
  protected async output<R>(result: R, human: (result: R, view: View) => string): Promise<R> {
    if (!this.jsonEnabled()) {
      const text = human(result, this.view())
      if (text) await this.io.print(scrub(text))
    }

    return result
  }

  /** Human text that is not the result (a preview, a note): not with --json, not with --quiet. */
  protected note(text: string): void {
    if (!this.jsonEnabled() && !this.io.quiet && text) this.log(scrub(text))
  }

  /** The error object --json prints, scrubbed and made one line, with the exit code the process really ends with. */
  protected errorJson(error: AtomOpsError): {kind: string; message: string; hint?: string; exitCode: number} {
    return {
      kind: error.kind,
      message: inert(scrub(error.message)),
      hint: error.hint ? inert(scrub(error.hint)) : undefined,
      exitCode: this.exitCodeFor(error),
    }
  }

  /** Sets the exit code without throwing, for commands that report findings (1 = problems). */
  protected setExitCode(code: number): void {
    process.exitCode = code
  }

  /**
   * Destructive steps: --force goes ahead; otherwise a terminal asks (inquirer); with no terminal
   * it refuses, so a cron job never deletes anything it was not told to.
   */
  protected async confirmOrAbort(
    question: string,
    force: boolean,
    auditDetails: Record<string, unknown> = {},
  ): Promise<void> {
    if (force) return
    // Every attempt at a destructive command is on record, the ones that changed nothing too.
    if (!this.io.stdinIsTTY) {
      await this.audit('refused', {
        question,
        ...auditDetails,
        reason: 'no --force and standard input is not a terminal',
      })
      throw new AbortedError(
        'refusing to continue without --force: standard input is not a terminal',
        'Re-run with --dry-run to see what would happen, then with --force (or -y).',
      )
    }

    const {confirm} = await import('@inquirer/prompts')
    let yes = false
    try {
      // The question may quote the database (a job's name): shown inert, like every other output.
      yes = await confirm(
        {message: inert(question), default: false, theme: promptTheme(this.io.stderrColour)},
        {output: process.stderr},
      )
    } catch {
      yes = false
    }

    if (!yes) {
      await this.audit('declined', {question, ...auditDetails})
      throw new AbortedError('cancelled: nothing was changed')
    }
  }

  protected async audit(
    outcome: AuditRecord['outcome'],
    details: Record<string, unknown>,
  ): Promise<string | undefined> {
    try {
      return await writeAudit(this.id ?? this.ctor.id ?? 'atom-ops', outcome, details)
    } catch (error) {
      this.warn(`could not write the audit record: ${(error as Error).message}`)
      return undefined
    }
  }

  /**
   * Plain JSON, scrubbed of secrets as one text (oclif's colouriser tokenises the whole document and a
   * per-string scrub walks every value: both cost seconds on large reports).
   */
  public override logJson(json: unknown): void {
    process.stdout.write(scrub(JSON.stringify(json, null, 2)) + '\n')
  }

  protected override async catch(
    error: Error & {exitCode?: number; oclif?: {exit?: number}; code?: string},
  ): Promise<unknown> {
    // this.exit() and oclif's own exits pass through untouched.
    if (error.code === 'EEXIT' || error.constructor?.name === 'ExitError') throw error
    const mapped = toAtomOpsError(error, {
      bin: this.config.bin,
      id: this.id ?? this.ctor.id,
      examples: this.ctor.examples as CommandFacts['examples'],
    })
    this.printError(mapped)
    const debug = (this.flags as {debug?: boolean} | undefined)?.debug || process.argv.includes('--debug')
    if (debug && error.stack) process.stderr.write(scrub(error.stack) + '\n')
    return this.exit(this.exitCodeFor(mapped))
  }

  /** One line and a hint on stderr, or `{"error": ...}` with --json; scrubbed of secrets. */
  protected printError(error: AtomOpsError): void {
    // One line each: a value the user typed (or a server sent) may hold newlines or escape sequences.
    const e = this.errorJson(error)
    if (this.jsonEnabled()) {
      this.logJson({error: e})
    } else {
      process.stderr.write(`atom-ops: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`)
    }
  }

  /**
   * SIGINT or SIGTERM during a destructive command ends it with a report, never silently half-done.
   * Before `begin()` nothing was changed: one line, exit 5. After it the step may have taken effect:
   * one line saying what was under way and how to check, a 'partial' audit record, exit 6.
   * `release()` once the command has its result (it then reports as usual).
   */
  protected guardInterrupts(what: InterruptReport): InterruptGuard {
    let begun = false
    const {interrupted} = this
    const onAbort = () => {
      const signal = String(interrupted.reason)
      const error = begun
        ? new OperationError(
            `${signal} received after ${what.started}; the result was not verified`,
            `Check with: ${what.check}`,
          )
        : new AbortedError(
            `${signal} received: ${what.nothing ?? 'nothing was changed'}`,
            'Run the same command again when you are ready.',
          )
      this.printError(error)
      const audited = begun
        ? this.audit('partial', {...what.audit(), interrupted: signal, error: error.message})
        : Promise.resolve(undefined)
      void audited.finally(() => process.exit(error.exitCode))
    }

    interrupted.addEventListener('abort', onAbort, {once: true})
    return {
      begin() {
        begun = true
      },
      get begun() {
        return begun
      },
      release: () => interrupted.removeEventListener('abort', onAbort),
    }
  }

  /**
   * The one shape of every destructive command: plan (read-only) → dry run, or confirm → begin → apply
   * (which verifies) → audit → the result to report. Interrupts: before begin nothing was changed (exit
   * 5); after it the step may have taken effect (a 'partial' audit record, exit 6). A failure after
   * begin is audited as 'failed' before it is reported.
   */
  protected async carryOut<P, R>(step: DestructiveStep<P, R>): Promise<R> {
    const guard = this.guardInterrupts(step.interrupt)
    let result: R
    try {
      const plan = await step.plan()
      if (step.preview && !this.jsonEnabled()) step.preview(plan)
      const question = step.question(plan)
      if (step.dryRun || question === undefined) {
        result = step.unapplied(plan)
      } else {
        await this.confirmOrAbort(question, step.force, step.interrupt.audit())
        guard.begin()
        try {
          result = await step.apply(plan, this.interrupted)
        } catch (error) {
          await this.audit('failed', {...step.interrupt.audit(), error: describeError(error)})
          throw error
        }
      }
    } finally {
      guard.release()
    }

    const [outcome, details] = step.audited(result)
    await this.audit(outcome, details)
    return result
  }

  /**
   * The one place atom-ops listens for interrupts: the first SIGINT, SIGTERM or SIGHUP aborts this
   * signal (its reason is the signal's name) and later ones are absorbed while the command winds down
   * (a clear rolling back its batch must not be killed half way). Commands that can stop at a safe
   * point pass it to lib; guardInterrupts builds on it. Listening starts on first use.
   */
  protected get interrupted(): AbortSignal {
    if (!this.interrupts) {
      const controller = new AbortController()
      const onSignal = (signal: NodeJS.Signals) => {
        if (!controller.signal.aborted) controller.abort(signal)
      }

      for (const s of INTERRUPT_SIGNALS) process.on(s, onSignal)
      this.interrupts = {
        signal: controller.signal,
        release() {
          for (const s of INTERRUPT_SIGNALS) process.off(s, onSignal)
        },
      }
    }

    return this.interrupts.signal
  }

  private interrupts?: {signal: AbortSignal; release: () => void}

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.interrupts?.release()
    return super.finally(error)
  }

  /** The exit code of an error; a command with its own convention (doctor: Nagios) overrides it. */
  protected exitCodeFor(error: AtomOpsError): number {
    return error.exitCode
  }
}

/**
 * inquirer's look, coloured or plain as atom-ops decided (--color, --no-color, NO_COLOR, FORCE_COLOR,
 * a terminal). inquirer's own check reads only the environment and turns colour off wherever `CI` is
 * set, so the prompt would disagree with the rest of the output.
 */
function promptTheme(colour: boolean) {
  const view = {colour}
  const style = (s: Style) => (t: string) => paint(view, s, t)
  return {
    prefix: {idle: paint(view, 'blue', '?'), done: paint(view, 'green', '✔')},
    style: {
      answer: style('cyan'),
      message: style('bold'),
      error: (t: string) => paint(view, 'red', `> ${t}`),
      defaultAnswer: (t: string) => paint(view, 'dim', `(${t})`),
      help: style('dim'),
      highlight: style('cyan'),
      key: (t: string) => paint(view, ['cyan', 'bold'], `<${t}>`),
    },
  }
}

/** Flags every command takes that say which install, database and Gearman servers (never a password). */
const GLOBAL_TARGET_FLAGS = new Set([
  'atom-root',
  'db',
  'db-password-file',
  'gearman',
  'profile',
  'timezone',
  'workers-key',
])
/** The worker commands' flags that say where and how the worker service runs. */
const SERVICE_TARGET_FLAGS = new Set(Object.keys(serviceFlags))

/** From oclif's raw tokens: the target flags as given, each `--name value`; a --db URL with a password is left out. */
function targetFlagsGiven(raw: ReadonlyArray<{type: string; flag?: string; input: string}>): {
  global: string[]
  service: string[]
} {
  const given = {global: [] as string[], service: [] as string[]}
  for (const token of raw) {
    if (token.type !== 'flag' || !token.flag) continue
    if (token.flag === 'db' && urlCarriesPassword(token.input)) continue
    const into = GLOBAL_TARGET_FLAGS.has(token.flag)
      ? given.global
      : SERVICE_TARGET_FLAGS.has(token.flag)
        ? given.service
        : undefined
    into?.push(`--${token.flag}`, token.input)
  }

  return given
}

/** Flags that may be given empty: AtoM's workers_key is empty by default. */
const MAY_BE_EMPTY = new Set(['workers-key'])

/** `--sort ""` or `--user " "` is a typo, not "no filter" and not "the user with no name". */
function rejectBlankValues(flags: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(flags)) {
    if (MAY_BE_EMPTY.has(name)) continue
    const values = Array.isArray(value) ? value : [value]
    if (values.some((v) => typeof v === 'string' && v.trim() === '')) {
      throw new UsageError(`--${name}: an empty value`, 'Give a value, or leave the flag out.')
    }
  }
}

/** oclif's framing lines around the real parse error. */
const OCLIF_FRAME = /^(The following errors? occurred:|See more help with --help)$/

/** What the error mapping knows of the command that failed, for hints that name it. */
export interface CommandFacts {
  bin: string
  /** oclif's id, `jobs:kill`. */
  id?: string
  examples?: ReadonlyArray<string | {command: string}>
}

/** A flag as oclif's parser holds it (only what the hints read). */
interface ParserFlag {
  char?: string
  charAliases?: string[]
  aliases?: string[]
  hidden?: boolean
  multiple?: boolean
}

/** oclif's parse errors carry what was parsed: the command's flags and, for a missing argument, the arguments. */
interface OclifParseError {
  message?: string
  name?: string
  oclif?: {exit?: number}
  flags?: unknown
  args?: Array<{name?: string; description?: string}>
  parse?: {input?: {flags?: Record<string, ParserFlag>}; output?: {flags?: Record<string, unknown>}}
}

/** oclif's message as one line: framing dropped, "Parsing --limit; Expected ..." as "--limit: expected ...". */
function oclifLine(message: string): string {
  return (
    message
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !OCLIF_FRAME.test(l))
      .join('; ')
      // Our own parsers already name the flag: "--timeout "x" is not ..." stays as it is.
      .replace(/^Parsing (--[\w-]+); (?=\1\b)/, '')
      .replace(/^Parsing (--[\w-]+); (\w)/, (_, flag: string, c: string) => `${flag}: ${c.toLowerCase()}`)
  )
}

/** Anything thrown becomes an AtomOpsError; oclif's parse errors are usage errors, with a hint naming the command. */
export function toAtomOpsError(error: unknown, command?: CommandFacts): AtomOpsError {
  if (error instanceof AtomOpsError) {
    // Thrown by a flag's own parser, oclif has framed its message: unframe it, keep the hint.
    const line = oclifLine(error.message)
    return line === error.message ? error : new AtomOpsError(error.kind, line, error.hint)
  }

  const e = error as OclifParseError
  const firstLine = oclifLine(e.message ?? String(error)) || 'error'
  if (e.oclif?.exit === 2 || /Parse|Validation|Flag|Arg/i.test(e.name ?? '')) {
    const spoken = command?.id ? `${command.bin} ${command.id.replaceAll(':', ' ')}` : undefined
    const help = spoken
      ? `${spoken} --help lists the flags and arguments`
      : 'See --help for the flags and arguments this command takes.'
    const flags = e.parse?.input?.flags ?? {}
    if (Array.isArray(e.flags) && /^Nonexistent flags?:/.test(e.message ?? ''))
      return unknownFlagError(e.flags.map(String), flags, help)
    if (Array.isArray(e.args) && /^Missing \d+ required args?/.test(e.message ?? ''))
      return missingArgError(e, flags, command, help)
    return new UsageError(firstLine.trim(), spoken ? `See: ${spoken} --help` : help)
  }

  const wrapped = new AtomOpsError(
    'failed',
    `unexpected error: ${firstLine}`,
    'Run again with --debug and report it if it persists.',
  )
  wrapped.stack = (error as Error)?.stack
  return wrapped
}

/**
 * `--staus`: "unknown flag --staus", and the flag it most likely meant, as command typos get the nearest
 * command. A short flag is matched by its other case (`-f` on worker logs is `-F`, --follow).
 */
function unknownFlagError(typed: string[], flags: Record<string, ParserFlag>, help: string): UsageError {
  const words = typed.map((t) => t.replace(/=.*$/s, ''))
  const visible = Object.entries(flags).filter(([, f]) => !f.hidden)
  const longNames = visible.flatMap(([name, f]) => [name, ...(f.aliases ?? [])])
  const suggest = (word: string): string | undefined => {
    const short = /^-([^-])$/.exec(word)
    if (short) {
      const other = short[1] === short[1].toLowerCase() ? short[1].toUpperCase() : short[1].toLowerCase()
      const hit = visible.find(([, f]) => f.char === other || f.charAliases?.includes(other))
      return hit ? `-${other} (--${hit[0]})` : undefined
    }

    const name = nearest(word.replace(/^--?/, ''), longNames)
    return name ? `--${name}` : undefined
  }

  const guess = words.map(suggest).find(Boolean)
  return new UsageError(
    `unknown flag${words.length === 1 ? '' : 's'} ${words.join(', ')}`,
    guess ? `Did you mean ${guess}? (${help})` : `${help}.`,
  )
}

/** A missing argument: which one and what it is, then an example of the command (or what swallowed it). */
function missingArgError(
  e: OclifParseError,
  flags: Record<string, ParserFlag>,
  command: CommandFacts | undefined,
  help: string,
): UsageError {
  const names = (e.args ?? []).map((a) => (a.name ?? 'argument').toUpperCase())
  const missing = (e.args ?? []).map(
    (a, i) =>
      `${names[i]}${a.description ? `: ${a.description.replace(/\.$/, '').replace(/^\w/, (c) => c.toLowerCase())}` : ''}`,
  )
  const given = e.parse?.output?.flags ?? {}
  // `jobs kill --host a 1234`: a repeatable flag takes every word after it, the argument too.
  const swallowing = Object.keys(given).find((name) => flags[name]?.multiple && given[name] !== undefined)
  // The example to copy is a harmless one: a dry run first, never one that skips the question.
  const examples = (command?.examples ?? []).map((x) => (typeof x === 'string' ? x : x.command))
  const example = examples.find((x) => x.includes('--dry-run')) ?? examples.find((x) => !/--force\b/.test(x))
  const rendered = example
    ?.replace(/<%= config\.bin %>/g, command!.bin)
    .replaceAll('<%= command.id %>', (command!.id ?? '').replaceAll(':', ' '))
  const hint = swallowing
    ? `--${swallowing} takes every value after it: put ${names.join(' ')} before it, or end its values with --`
    : rendered
      ? `Example: ${rendered}`
      : `${help}.`
  return new UsageError(`missing ${missing.join('; ')}`, hint)
}

export {ExitCode} from '../lib/errors.js'

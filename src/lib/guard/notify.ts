import {spawn} from 'node:child_process'
import {constants} from 'node:fs'
import {access} from 'node:fs/promises'

import type {GuardPolicy} from '../settings/guard-policy.js'
import type {Verdict} from './state.js'

import {describeError} from '../errors.js'
import {childEnv} from '../remote/runner.js'
import {inert} from '../util/text.js'

/** What changed in a run: only these are notified, never an unchanged verdict. */
export interface GuardChange {
  kind: 'problem' | 'recovered' | 'changed' | 'fix-applied' | 'fix-failed' | 'rate-limited'
  summary: string
}

/** The document every channel receives (JSON on stdin, the POST body, the end of the mail). */
export interface GuardEvent {
  type: 'atom-ops.guard'
  version: 1
  time: string
  host: string
  install: {profile: string | null; root: string; prefix: string | null}
  verdict: Verdict
  previous: Verdict | null
  changes: GuardChange[]
  /** The checks that are not OK after the run, one line each. */
  problems: string[]
  /** Every action taken or skipped in the run, one line each. */
  actions: string[]
}

export interface Delivery {
  channel: 'exec' | 'url' | 'mail'
  /** The program, the URL's origin (its path may hold a token), or the addresses. */
  target: string
  ok: boolean
  message: string
}

/** Where sendmail is on Debian and most others, when notify_sendmail does not say. */
export const SENDMAIL_PATHS = ['/usr/sbin/sendmail', '/usr/lib/sendmail']

/** Sends the event on every channel the policy names, concurrently; each is bounded by notify_timeout. */
export async function deliver(policy: GuardPolicy, event: GuardEvent): Promise<Delivery[]> {
  const json = JSON.stringify(event, null, 2) + '\n'
  const jobs: Array<Promise<Delivery>> = []
  if (policy.notifyExec) jobs.push(viaExec(policy.notifyExec, json, policy.notifyTimeoutMs))
  if (policy.notifyUrl) jobs.push(viaUrl(policy.notifyUrl, json, policy.notifyTimeoutMs))
  if (policy.notifyMail)
    jobs.push(viaMail(policy.notifyMail, policy.notifySendmail, event, json, policy.notifyTimeoutMs))
  return Promise.all(jobs)
}

/** The channels a policy names, as a report shows them before anything is sent. */
export function channels(policy: GuardPolicy): string[] {
  const out: string[] = []
  if (policy.notifyExec) out.push(`exec ${policy.notifyExec[0]}`)
  if (policy.notifyUrl) out.push(`POST ${urlOrigin(policy.notifyUrl)}`)
  if (policy.notifyMail) out.push(`mail ${policy.notifyMail.join(', ')}`)
  return out
}

/** scheme://host[:port]/…: a webhook's path often is its secret. */
export function urlOrigin(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname === '/' && !u.search ? '/' : '/…'}`
}

async function viaExec(argv: string[], json: string, timeoutMs: number): Promise<Delivery> {
  const r = await runWithInput(argv, json, timeoutMs)
  return {channel: 'exec', target: argv[0], ...r}
}

async function viaUrl(url: string, json: string, timeoutMs: number): Promise<Delivery> {
  const target = urlOrigin(url)
  try {
    // A redirect would turn the POST into a GET elsewhere: refused, reported.
    const res = await fetch(url, {
      method: 'POST',
      headers: {'content-type': 'application/json', 'user-agent': 'atom-ops-guard'},
      body: json,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
    await res.body?.cancel().catch(() => undefined)
    return res.ok
      ? {channel: 'url', target, ok: true, message: `HTTP ${res.status}`}
      : {channel: 'url', target, ok: false, message: `the webhook answered HTTP ${res.status}`}
  } catch (error) {
    const e = error as Error & {cause?: {code?: string; message?: string}}
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000}s`
        : (e.cause?.code ?? e.cause?.message ?? describeError(error))
    return {channel: 'url', target, ok: false, message: `POST failed: ${why}`}
  }
}

async function viaMail(
  to: string[],
  configured: string | undefined,
  event: GuardEvent,
  json: string,
  timeoutMs: number,
): Promise<Delivery> {
  const target = to.join(', ')
  const sendmail = configured ?? (await firstExecutable(SENDMAIL_PATHS))
  if (!sendmail) {
    return {
      channel: 'mail',
      target,
      ok: false,
      message: `no sendmail program: none of ${SENDMAIL_PATHS.join(', ')} exists (install a mail transfer agent, or set notify_sendmail)`,
    }
  }

  const r = await runWithInput([sendmail, '-t', '-oi'], mailText(to, event, json), timeoutMs)
  return {channel: 'mail', target, ...r}
}

async function firstExecutable(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    try {
      await access(p, constants.X_OK)
      return p
    } catch {
      // not here
    }
  }

  return undefined
}

/** One header line: no line breaks (a header of our own could be smuggled in) and plain ASCII. */
function header(text: string): string {
  return inert(text)
    .replaceAll(/[^\u0020-\u007E]/g, '?')
    .slice(0, 200)
}

/** The message sendmail -t reads: its recipients from To:, the event in words, then as JSON. */
export function mailText(to: string[], event: GuardEvent, json: string): string {
  const who = event.install.profile ? `${event.host} (${event.install.profile})` : event.host
  const subject = `[atom-ops guard] ${who}: ${event.verdict.toUpperCase()}${event.changes[0] ? ` - ${event.changes[0].summary}` : ''}`
  const lines = [
    `To: ${to.join(', ')}`,
    `Subject: ${header(subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Auto-Submitted: auto-generated',
    '',
    `atom-ops guard on ${who}, ${event.time}: ${event.verdict.toUpperCase()} (before: ${event.previous?.toUpperCase() ?? 'no earlier run'})`,
    '',
    ...event.changes.map((c) => `* ${inert(c.summary)}`),
    ...(event.problems.length > 0 ? ['', 'Not OK:', ...event.problems.map((p) => `  ${inert(p)}`)] : []),
    ...(event.actions.length > 0 ? ['', 'Actions:', ...event.actions.map((a) => `  ${inert(a)}`)] : []),
    '',
    'The event as JSON:',
    json,
  ]
  return lines.join('\n')
}

/** Runs a program (an argument array, no shell) with `input` on stdin, killed at the timeout; ok when it exits 0. */
function runWithInput(argv: string[], input: string, timeoutMs: number): Promise<{ok: boolean; message: string}> {
  return new Promise((resolve) => {
    let settled = false
    let stderr = ''
    const done = (ok: boolean, message: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ok, message})
    }

    // The same short environment as every program atom-ops runs: no ATOM_OPS_* (it may carry a password).
    const child = spawn(argv[0], argv.slice(1), {stdio: ['pipe', 'ignore', 'pipe'], env: childEnv()})
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      done(false, `${argv[0]} did not finish within ${timeoutMs / 1000}s: killed`)
    }, timeoutMs)
    child.on('error', (error: NodeJS.ErrnoException) =>
      done(false, `${argv[0]} could not be run: ${error.code ?? error.message}`),
    )
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d
    })
    // A program that exits without reading its input is judged by its exit status, not by the broken pipe.
    child.stdin!.on('error', () => undefined)
    child.on('close', (code, signal) => {
      const said = stderr.trim().split('\n')[0]
      if (code === 0) done(true, 'exit 0')
      else done(false, `${argv[0]} ${signal ? `was killed by ${signal}` : `exited ${code}`}${said ? `: ${said}` : ''}`)
    })
    child.stdin!.end(input)
  })
}

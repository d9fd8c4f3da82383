import type {CancelReport, DropReport} from '../lib/queue/control.js'
import type {DecodedFunction} from '../lib/queue/decode.js'
import type {QueueJobsReport, QueuePingReport, QueueStatusReport, QueueWorkersReport} from '../lib/queue/inspect.js'
import type {ServerHeader} from '../lib/queue/common.js'
import type {WatchSnapshot} from '../lib/queue/watch.js'
import {renderPairs, renderTable} from './table.js'
import {displayTime, inert, plural} from './text.js'

function serverLine(h: ServerHeader, detail: string): string {
  return h.ok ? `${inert(h.server)}  ok  ${detail}` : `${inert(h.server)}  DOWN  ${inert(h.error?.message ?? 'no answer')}`
}

function installLabel(f: DecodedFunction): string {
  return f.install
}

/** The job class; the whole name when the prefix is unknown (the operator needs it to find the install). */
function shownName(f: DecodedFunction): string {
  return f.owner === 'unknown' ? f.function : f.jobClass
}

export function renderQueueStatus(r: QueueStatusReport): string {
  const out: string[] = []
  for (const s of r.servers) out.push(serverLine(s, `${plural(s.functions.length, 'function')}, ${plural(s.workers, 'worker connection')}${s.hidden ? ` (${s.hidden} functions of other installs hidden: --all)` : ''}`))
  const rows = r.servers.flatMap((s) => s.functions.map((f) => [s.server, installLabel(f), shownName(f), f.waiting, f.running, f.availableWorkers]))
  out.push('')
  if (rows.length === 0) out.push(r.scope === 'all' ? 'No functions registered on any answering server.' : "No functions of this install on any answering server (is the worker running? try --all).")
  else out.push(renderTable(['server', 'install', 'job class', 'waiting', 'running', 'workers'], rows))
  out.push('')
  out.push(`${plural(r.totals.functions, 'function')}: ${r.totals.waiting} waiting, ${r.totals.running} running. "workers" is per function: a worker registered for 18 functions counts in each row (see queue workers).`)
  const stuck = r.servers.flatMap((s) => s.functions.filter((f) => f.waiting > 0 && f.availableWorkers === 0).map((f) => `${shownName(f)} (${f.install}) on ${s.server}`))
  if (stuck.length) out.push(`Waiting with no worker to run them: ${inert(stuck.slice(0, 5).join(', '))}${stuck.length > 5 ? `, ... (${stuck.length - 5} more)` : ''}.`)
  if (r.skippedProfiles.length) out.push(`Profiles whose install could not be read (their functions show as "unknown prefix"): ${r.skippedProfiles.join(', ')}`)
  if (r.unreachable) out.push(`${plural(r.unreachable, 'server')} did not answer (exit code 4).`)
  return out.join('\n')
}

/** "arA, arB, ... (+N more)": job classes of one worker, grouped by install when there are several. */
export function summariseFunctions(fns: DecodedFunction[], max = 70): string {
  const groups = new Map<string, string[]>()
  for (const f of fns) {
    const list = groups.get(f.install) ?? []
    list.push(shownName(f))
    groups.set(f.install, list)
  }
  const parts = [...groups.entries()].map(([install, names]) => (groups.size > 1 || install !== 'this install' ? `${install}: ` : '') + names.join(', '))
  const text = parts.join('; ')
  if (text.length <= max) return text
  const cut = text.slice(0, max).replace(/[,;]?\s*[^,;]*$/, '')
  const shown = cut.split(/[,;]/).length
  return `${cut}, ... (+${Math.max(1, fns.length - shown)} more)`
}

export function renderQueueWorkers(r: QueueWorkersReport): string {
  const out: string[] = []
  for (const s of r.servers) out.push(serverLine(s, `${plural(s.workers.length, 'worker connection')}${s.hidden ? ` (${s.hidden} of other installs hidden: --all)` : ''}`))
  const rows = r.servers.flatMap((s) => s.workers.map((w) => [s.server, w.fd, w.address, w.clientId ?? '-', w.functions.length, summariseFunctions(w.functions)]))
  out.push('')
  if (rows.length === 0) out.push(r.scope === 'all' ? 'No worker connections on any answering server.' : 'No worker of this install is connected to any answering server.')
  else out.push(renderTable(['server', 'fd', 'address', 'client id', 'functions', 'job classes'], rows))
  out.push('', `${plural(r.connections, 'distinct worker connection')} (each counted once, however many functions it registered).`)
  if (r.unreachable) out.push(`${plural(r.unreachable, 'server')} did not answer (exit code 4).`)
  return out.join('\n')
}

export function renderQueueJobs(r: QueueJobsReport): string {
  const out: string[] = []
  for (const s of r.servers) out.push(serverLine(s, `${plural(s.jobs.length, 'job')}, ${plural(s.uniqueIds.length, 'unique id')}`))
  const rows = r.servers.flatMap((s) => s.jobs.map((j) => [s.server, j.handle, j.state, j.retries, j.cancelled ? 'yes' : '']))
  out.push('')
  if (rows.length === 0) out.push('No jobs queued or running on any answering server.')
  else out.push(renderTable(['server', 'handle', 'state', 'retries', 'cancelled'], rows))
  const uniques = r.servers.flatMap((s) => s.uniqueIds.map((u) => [s.server, u === '' ? '(empty)' : u]))
  if (uniques.length) out.push('', renderTable(['server', 'unique id'], uniques))
  out.push('', 'gearmand does not tell which function a handle belongs to; jobs of every install are listed.')
  if (r.unreachable) out.push(`${plural(r.unreachable, 'server')} did not answer (exit code 4).`)
  return out.join('\n')
}

export function renderQueuePing(r: QueuePingReport): string {
  const rows = r.servers.map((s) => (s.ok ? [s.server, 'ok', s.latencyMs?.toFixed(2), s.version, s.pid ?? '-'] : [s.server, 'DOWN', '-', '-', s.error?.message ?? '']))
  return renderTable(['server', 'answer', 'echo ms', 'version', 'pid / error'], rows) + (r.unreachable ? `\n${plural(r.unreachable, 'server')} did not answer (exit code 4).` : '')
}

export function renderCancel(r: CancelReport): string {
  const state = (s: CancelReport['before']) => `${s.running ? 'running' : s.listed ? 'waiting' : 'not listed'}${s.cancelled ? ', marked cancelled' : ''}`
  const asked = r.lookup && r.lookup.length > 1 ? ` (found there; asked ${r.lookup.map((l) => `${l.server}${l.error ? ': no answer' : l.found ? '' : ': not there'}`).join(', ')})` : ''
  const pairs: Array<[string, unknown]> = [
    ['server', r.server + asked],
    ['handle', r.handle],
    ['before', state(r.before)],
  ]
  if (r.after) pairs.push(['after', state(r.after)])
  pairs.push(['outcome', r.dryRun ? `${r.outcome} (dry run: nothing sent)` : r.outcome])
  return renderPairs(pairs) + '\n\n' + inert(r.message)
}

export function renderDrop(r: DropReport): string {
  const rows = r.servers.map((s) => [s.server, s.found ? s.total : '-', s.found ? s.availableWorkers : '-', s.outcome, s.message])
  const head = `function ${inert(r.function.function)} (${inert(r.function.install)}, ${inert(r.function.jobClass)})${r.dryRun ? ' - dry run, nothing sent' : ''}`
  return head + '\n' + renderTable(['server', 'jobs', 'workers', 'outcome', 'detail'], rows)
}

// ---------------------------------------------------------------- watch

const INVERSE = '\u001b[7m'
const RESET = '\u001b[0m'

function cell(text: unknown, width: number, right: boolean): string {
  let s = inert(text)
  if (s.length > width) s = s.slice(0, Math.max(1, width - 1)) + '~'
  return right ? s.padStart(width) : s.padEnd(width)
}

/**
 * One watch snapshot as text: a header, then every function by waiting (changed values highlighted on a
 * terminal, marked with * otherwise). `rows` limits the table to the screen.
 */
export function renderWatch(s: WatchSnapshot, options: {tty: boolean; rows?: number; columns?: number; interval: number}): string {
  const mark = (value: unknown, changed: boolean, width: number) => {
    const text = cell(value, width, true)
    if (options.tty) return (changed ? INVERSE + text + RESET : text) + ' '
    return text + (changed ? '*' : ' ')
  }
  const lines: string[] = []
  const time = displayTime(s.time)
  lines.push(`atom-ops queue watch  ${time}  every ${options.interval}s  ${s.totals.waiting} waiting, ${s.totals.running} running, ${plural(s.totals.functions, 'function')}${options.tty ? '   (q to quit)' : ''}`)
  for (const server of s.servers) lines.push(`  ${serverLine(server, `${plural(server.functions.length, 'function')}, ${plural(server.workers, 'worker connection')}`)}`)
  const columns = options.columns ?? 120
  const classWidth = Math.max(20, Math.min(48, columns - 21 - 16 - 24 - 6))
  lines.push('')
  lines.push(`${cell('server', 21, false)} ${cell('install', 16, false)} ${cell('job class', classWidth, false)} ${cell('waiting', 8, true)} ${cell('running', 8, true)} ${cell('workers', 8, true)}`)
  const room = options.rows ? Math.max(1, options.rows - lines.length - 2) : s.rows.length
  for (const r of s.rows.slice(0, room)) {
    const isNew = r.changed.includes('new')
    const name = cell(shownName(r), classWidth, false)
    lines.push(
      `${cell(r.server, 21, false)} ${cell(r.install, 16, false)} ${options.tty && isNew ? INVERSE + name + RESET : name} ` +
        `${mark(r.waiting, isNew || r.changed.includes('waiting'), 8)}${mark(r.running, isNew || r.changed.includes('running'), 8)}${mark(r.availableWorkers, isNew || r.changed.includes('availableWorkers'), 8)}`,
    )
  }
  if (s.rows.length > room) lines.push(`... ${s.rows.length - room} more (enlarge the terminal)`)
  if (s.rows.length === 0) lines.push('(no functions in scope)')
  for (const g of s.gone.slice(0, 5)) lines.push(`gone: ${inert(g.server)} ${inert(g.function)}`)
  return lines.join('\n')
}

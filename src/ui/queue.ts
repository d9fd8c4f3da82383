import type {ServerHeader} from '../lib/queue/common.js'
import type {CancelReport, DropReport} from '../lib/queue/control.js'
import type {DecodedFunction} from '../lib/queue/decode.js'
import type {QueueJobsReport, QueuePingReport, QueueStatusReport, QueueWorkersReport} from '../lib/queue/inspect.js'
import type {WatchSnapshot} from '../lib/queue/watch.js'

import {type Column, renderPairs, renderTable, textWidth, truncateEnd} from './table.js'
import {displayTime, inert, plural} from './text.js'
import {PLAIN_VIEW, type View} from './view.js'

/** The server column: said once above the table when every row is on one server. */
const SERVER: Column = {key: 'server', caption: true, hide: 3}
const COUNT = (key: string): Column => ({key, align: 'right'})

export const QUEUE_STATUS_COLUMNS: Column[] = [
  SERVER,
  {key: 'install', caption: true, shrink: 'middle', min: 12, hide: 2},
  {key: 'class', head: 'job class', shrink: 'middle'},
  COUNT('waiting'),
  COUNT('running'),
  COUNT('workers'),
]
export const QUEUE_WORKERS_COLUMNS: Column[] = [
  SERVER,
  COUNT('fd'),
  {key: 'address', shrink: 'middle'},
  {key: 'client-id', head: 'client id', shrink: 'middle', min: 10, hide: 1},
  COUNT('functions'),
  {key: 'classes', head: 'job classes', shrink: 'end', min: 20},
]
export const QUEUE_JOBS_COLUMNS: Column[] = [
  SERVER,
  {key: 'handle', shrink: 'middle'},
  {key: 'state'},
  COUNT('retries'),
  {key: 'cancelled'},
]
export const QUEUE_PING_COLUMNS: Column[] = [
  {key: 'server', shrink: 'middle'},
  {key: 'answer'},
  {key: 'echo-ms', head: 'echo ms', align: 'right'},
  {key: 'version', hide: 1},
  {key: 'pid', head: 'pid / error', shrink: 'end'},
]

function serverLine(h: ServerHeader, detail: string): string {
  return h.ok
    ? `${inert(h.server)}  ok  ${detail}`
    : `${inert(h.server)}  DOWN  ${inert(h.error?.message ?? 'no answer')}`
}

function installLabel(f: DecodedFunction): string {
  return f.install
}

/** The job class; the whole name when the prefix is unknown (the operator needs it to find the install). */
function shownName(f: DecodedFunction): string {
  return f.owner === 'unknown' ? f.function : f.jobClass
}

export function renderQueueStatus(r: QueueStatusReport, view: View = PLAIN_VIEW): string {
  const out: string[] = []
  for (const s of r.servers)
    out.push(
      serverLine(
        s,
        `${plural(s.functions.length, 'function')}, ${plural(s.workers, 'worker connection')}${s.hidden ? ` (${s.hidden} functions of other installs hidden: --all)` : ''}`,
      ),
    )
  const rows = r.servers.flatMap((s) =>
    s.functions.map((f) => [s.server, installLabel(f), shownName(f), f.waiting, f.running, f.availableWorkers]),
  )
  out.push('')
  if (rows.length === 0)
    out.push(
      r.scope === 'all'
        ? 'No functions registered on any answering server.'
        : 'No functions of this install on any answering server (is the worker running? try --all).',
    )
  else out.push(renderTable(QUEUE_STATUS_COLUMNS, rows, view, {select: view.columns}))
  out.push('')
  out.push(
    `${plural(r.totals.functions, 'function')}: ${r.totals.waiting} waiting, ${r.totals.running} running.${view.quiet ? '' : ' "workers" is per function: a worker registered for several functions counts in each of their rows (see queue workers).'}`,
  )
  const stuck = r.servers.flatMap((s) =>
    s.functions
      .filter((f) => f.waiting > 0 && f.availableWorkers === 0)
      .map((f) => `${shownName(f)} (${f.install}) on ${s.server}`),
  )
  const shown = view.verbose ? stuck.length : 5
  if (stuck.length > 0)
    out.push(
      `Waiting with no worker to run them: ${inert(stuck.slice(0, shown).join(', '))}${stuck.length > shown ? `, ... (${stuck.length - shown} more; --verbose lists them)` : ''}.`,
    )
  if (r.skippedProfiles.length > 0)
    out.push(
      `Profiles whose install could not be read (their functions show as "unknown prefix"): ${r.skippedProfiles.join(', ')}`,
    )
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

  const parts = [...groups.entries()].map(
    ([install, names]) => (groups.size > 1 || install !== 'this install' ? `${install}: ` : '') + names.join(', '),
  )
  const text = parts.join('; ')
  if (text.length <= max) return text
  const cut = text.slice(0, max).replace(/[,;]?\s*[^,;]*$/, '')
  const shown = cut.split(/[,;]/).length
  return `${cut}, ... (+${Math.max(1, fns.length - shown)} more)`
}

export function renderQueueWorkers(r: QueueWorkersReport, view: View = PLAIN_VIEW): string {
  const out: string[] = []
  for (const s of r.servers)
    out.push(
      serverLine(
        s,
        `${plural(s.workers.length, 'worker connection')}${s.hidden ? ` (${s.hidden} of other installs hidden: --all)` : ''}`,
      ),
    )
  const rows = r.servers.flatMap((s) =>
    s.workers.map((w) => [
      s.server,
      w.fd,
      w.address,
      w.clientId ?? '-',
      w.functions.length,
      summariseFunctions(w.functions, view.verbose ? Infinity : undefined),
    ]),
  )
  out.push('')
  if (rows.length === 0)
    out.push(
      r.scope === 'all'
        ? 'No worker connections on any answering server.'
        : 'No worker of this install is connected to any answering server.',
    )
  else out.push(renderTable(QUEUE_WORKERS_COLUMNS, rows, view, {select: view.columns}))
  out.push(
    '',
    `${plural(r.connections, 'distinct worker connection')}${view.quiet ? '.' : ' (each counted once, however many functions it registered).'}`,
  )
  if (r.unreachable) out.push(`${plural(r.unreachable, 'server')} did not answer (exit code 4).`)
  return out.join('\n')
}

export function renderQueueJobs(r: QueueJobsReport, view: View = PLAIN_VIEW): string {
  const out: string[] = []
  for (const s of r.servers)
    out.push(serverLine(s, `${plural(s.jobs.length, 'job')}, ${plural(s.uniqueIds.length, 'unique id')}`))
  const rows = r.servers.flatMap((s) =>
    s.jobs.map((j) => [s.server, j.handle, j.state, j.retries, j.cancelled ? 'yes' : '']),
  )
  out.push('')
  if (rows.length === 0) out.push('No jobs queued or running on any answering server.')
  else out.push(renderTable(QUEUE_JOBS_COLUMNS, rows, view, {select: view.columns}))
  const uniques = r.servers.flatMap((s) => s.uniqueIds.map((u) => [s.server, u === '' ? '(empty)' : u]))
  if (uniques.length > 0) out.push('', renderTable([SERVER, {key: 'unique id', shrink: 'middle'}], uniques, view))
  if (!view.quiet)
    out.push('', 'gearmand does not tell which function a handle belongs to; jobs of every install are listed.')
  if (r.unreachable) out.push(`${plural(r.unreachable, 'server')} did not answer (exit code 4).`)
  return out.join('\n')
}

export function renderQueuePing(r: QueuePingReport, view: View = PLAIN_VIEW): string {
  const rows = r.servers.map((s) =>
    s.ok
      ? [s.server, 'ok', s.latencyMs?.toFixed(2), s.version, s.pid ?? '-']
      : [s.server, 'DOWN', '-', '-', s.error?.message ?? ''],
  )
  return (
    renderTable(QUEUE_PING_COLUMNS, rows, view, {select: view.columns}) +
    (r.unreachable ? `\n${plural(r.unreachable, 'server')} did not answer (exit code 4).` : '')
  )
}

export function renderCancel(r: CancelReport): string {
  const state = (s: CancelReport['before']) =>
    `${s.running ? 'running' : s.listed ? 'waiting' : 'not listed'}${s.cancelled ? ', marked cancelled' : ''}`
  const asked =
    r.lookup && r.lookup.length > 1
      ? ` (found there; asked ${r.lookup.map((l) => `${l.server}${l.error ? ': no answer' : l.found ? '' : ': not there'}`).join(', ')})`
      : ''
  const pairs: Array<[string, unknown]> = [
    ['server', r.server + asked],
    ['handle', r.handle],
    ['before', state(r.before)],
  ]
  if (r.after) pairs.push(['after', state(r.after)])
  pairs.push(['outcome', r.dryRun ? `${r.outcome} (dry run: nothing sent)` : r.outcome])
  return renderPairs(pairs) + '\n\n' + inert(r.message)
}

export function renderDrop(r: DropReport, view: View = PLAIN_VIEW): string {
  const rows = r.servers.map((s) => [
    s.server,
    s.found ? s.total : '-',
    s.found ? s.availableWorkers : '-',
    s.outcome,
    s.message,
  ])
  const head = `function ${inert(r.function.function)} (${inert(r.function.install)}, ${inert(r.function.jobClass)})${r.dryRun ? ' - dry run, nothing sent' : ''}`
  return (
    head +
    '\n' +
    renderTable(
      [
        {key: 'server', shrink: 'middle'},
        COUNT('jobs'),
        COUNT('workers'),
        {key: 'outcome'},
        {key: 'detail', footnote: true, shrink: 'end'},
      ],
      rows,
      view,
    )
  )
}

// ---------------------------------------------------------------- watch

export interface WatchLayout {
  /** A full-screen live view (a terminal): changes shown in inverse video when the view has colour. */
  live: boolean
  /** Screen lines: the table is cut to what fits, with a "... N more" line. */
  rows?: number
  interval: number
}

/**
 * One watch snapshot as text: a header, then every function by waiting, fitted to the view's width as
 * every table is (a long job class is cut in its middle, so arInformationObjectCsvExportJob and
 * ...XmlExportJob stay apart). A changed value is shown in inverse video on a live colour screen, and
 * marked with * otherwise.
 */
export function renderWatch(s: WatchSnapshot, view: View, layout: WatchLayout): string {
  const highlight = layout.live && view.colour
  const mark = (value: number, changed: boolean) =>
    highlight ? {value, style: changed ? ('inverse' as const) : undefined} : `${value}${changed ? '*' : ' '}`
  const time = displayTime(s.time)
  const fitLine = (line: string) => (layout.live && view.width ? truncateEnd(line, view.width) : line)
  const title = `atom-ops queue watch  ${time}  every ${layout.interval}s`
  const totals = `${s.totals.waiting} waiting, ${s.totals.running} running, ${plural(s.totals.functions, 'function')}${layout.live ? '   (q to quit)' : ''}`
  // One line when it fits the screen, else the totals on a line of their own.
  const before =
    layout.live && view.width && textWidth(`${title}  ${totals}`) > view.width
      ? [title, `  ${totals}`]
      : [`${title}  ${totals}`]
  for (const server of s.servers)
    before.push(
      `  ${serverLine(server, `${plural(server.functions.length, 'function')}, ${plural(server.workers, 'worker connection')}`)}`,
    )
  before.push('')
  const after = s.gone.slice(0, 5).map((g) => `gone: ${inert(g.server)} ${inert(g.function)}`)
  if (s.rows.length === 0) return [...before, '(no functions in scope)', ...after].map(fitLine).join('\n')
  const table = (count: number) => {
    const rows = s.rows.slice(0, count).map((r) => {
      const isNew = r.changed.includes('new')
      return [
        r.server,
        r.install,
        highlight && isNew ? {value: shownName(r), style: 'inverse' as const} : shownName(r),
        mark(r.waiting, isNew || r.changed.includes('waiting')),
        mark(r.running, isNew || r.changed.includes('running')),
        mark(r.availableWorkers, isNew || r.changed.includes('availableWorkers')),
      ]
    })
    const more = s.rows.length > count ? [`... ${s.rows.length - count} more (enlarge the terminal)`] : []
    return [renderTable(QUEUE_STATUS_COLUMNS, rows, view, {borders: false}), ...more]
  }

  let room = s.rows.length
  let body = table(room)
  // On a screen: as many rows as fit under the header (captions and notes take lines too).
  if (layout.rows) {
    const lines = () => before.length + body.join('\n').split('\n').length + after.length
    for (let tries = 0; tries < 3 && lines() > layout.rows && room > 1; tries++) {
      room = Math.max(1, room - (lines() - layout.rows) - (room === s.rows.length ? 1 : 0))
      body = table(room)
    }
  }

  return [...before.map(fitLine), ...body, ...after.map(fitLine)].join('\n')
}

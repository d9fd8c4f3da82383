import type {FoundInstall, InstallWorker} from '../lib/discover/installs.js'
import type {ConfigInitResult} from '../lib/settings/init.js'
import type {ProfileChange} from '../lib/settings/write.js'

import {renderPairs} from './table.js'
import {inert, plural} from './text.js'

export type ConfigInitPhase = 'plan' | 'dry-run' | 'up-to-date' | 'written'

const ACTION: Record<ProfileChange['action'], string> = {
  add: 'add',
  replace: 'replace (the old one goes to the backup)',
  conflict: 'exists with other settings: not written without --force',
  unchanged: 'already there, unchanged',
  known: 'already in the file as profile',
}

function workerLine(w: InstallWorker): string {
  const what =
    w.manager === null
      ? 'no service manager'
      : `${w.manager} ${w.unit}${w.supervisorConfig ? ` (-c ${w.supervisorConfig})` : ''}${w.userUnit ? ' (user unit)' : ''}`
  const running =
    w.pid === null
      ? `not running${w.user ? ` (runs as ${w.user})` : ''}`
      : `running: pid ${w.pid}${w.user ? ` as ${w.user}` : ''}`
  return `${what}, ${running}${w.file ? `, defined in ${w.file}` : ''}`
}

function databaseLine(db: NonNullable<FoundInstall['database']>): string {
  const where = db.socket ? `socket ${db.socket}` : `${db.host}:${db.port}`
  return `${db.user}@${where}/${db.database}, password ${db.password || '(empty)'}`
}

function installBlock(install: ConfigInitResult['discovery']['installs'][number]): string[] {
  const pairs: Array<[string, unknown]> = [
    ['found by', install.foundBy.map((e) => `${e.how} ${e.detail}`).join('; ')],
    ...install.workers.map((w): [string, unknown] => ['worker', workerLine(w)]),
  ]
  if (install.workers.length === 0)
    pairs.push(['worker', 'none found (no process, unit or supervisord program runs jobs:worker here)'])
  if (install.gearmanServers) pairs.push(['gearman', install.gearmanServers.join(', ')])
  if (install.database) pairs.push(['database', databaseLine(install.database)])
  if (install.prefix) pairs.push(['prefix', install.prefix])
  for (const p of install.problems) pairs.push(['note', p])
  const head = `${install.profile ?? '(no profile)'}  ${install.root}${install.root === install.realRoot ? '' : ` (${install.realRoot})`}`
  return [
    head,
    ...renderPairs(pairs)
      .split('\n')
      .map((l) => `  ${l}`),
  ]
}

/**
 * What was found, the profiles and the file's text, and what happened (or would). Directory names
 * and file contents are shown inert: a name holding escape sequences cannot drive the terminal.
 */
export function renderConfigInit(r: ConfigInitResult, phase: ConfigInitPhase): string {
  return configInitLines(r, phase)
    .map((line) => inert(line))
    .join('\n')
}

function configInitLines(r: ConfigInitResult, phase: ConfigInitPhase): string[] {
  const d = r.discovery
  const s = d.scanned
  const looked = `looked in ${plural(s.directories, 'directory', 'directories')}, ${s.procReadable ? plural(s.processes, 'process', 'processes') : `no processes (${d.places.procRoot} not readable)`}, ${plural(s.unitFiles, 'unit file')}, ${plural(s.supervisorFiles, 'supervisord file')}`
  const out: string[] = [`Found ${plural(d.installs.length, 'AtoM install')} (${looked}).`]
  for (const install of d.installs) out.push('', ...installBlock(install))
  if (d.ignored.length > 0) out.push('', 'Not used:', ...d.ignored.map((i) => `  ${i.path}: ${i.reason}`))
  if (d.unreadable.length > 0) out.push('', 'Not readable:', ...d.unreadable.map((u) => `  ${u}`))
  const plan = r.profiles
  if (!plan) return out
  out.push('', `Profiles in ${plan.path}${plan.exists ? '' : ' (a new file)'}:`)
  for (const c of plan.changes)
    out.push(`  ${c.name}: ${ACTION[c.action]}${c.action === 'known' ? ` ${c.existing?.name}` : ''}`)
  if (plan.changed && phase !== 'written')
    out.push(
      '',
      `The file would read:`,
      ...plan.text
        .trimEnd()
        .split('\n')
        .map((l) => `  | ${l}`),
    )
  if (phase === 'dry-run')
    out.push('', plan.changed ? 'Dry run: nothing was written.' : 'Dry run: the file is up to date; nothing to write.')
  if (phase === 'up-to-date') out.push('', 'Nothing to write: the file is up to date.')
  if (phase === 'written') {
    const first = plan.changes.find((c) => c.action === 'add' || c.action === 'replace')?.name
    out.push(
      '',
      `Wrote ${plan.path}${r.backup ? ` (the old file is at ${r.backup})` : ''}.`,
      `Check it with: atom-ops config show${first && first !== plan.defaultProfile ? ` --profile ${first}` : ''}`,
    )
  }

  return out
}

import {parseUnit, type UnitSections as Sections} from '../service/unit-file.js'

/**
 * Reads a worker unit as `systemctl cat` prints it (the unit file and its drop-ins, each after a
 * `# /path` line) and finds the two definitions that burn systemd's start limit (AtoM issue 2431 and
 * the exit-111 restarts), with the drop-in that fixes them.
 */
export interface UnitAdvice {
  findings: string[]
  /** The drop-in to install, or null when the unit is fine. */
  dropIn: string | null
  dropInPath: string | null
}

function words(sections: Sections, section: string, key: string): string[] {
  return (sections.get(section)?.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean)
}

function last(sections: Sections, section: string, key: string): string | undefined {
  const values = sections.get(section)?.get(key)
  return values && values.length > 0 ? values[values.length - 1] : undefined
}

const DATABASE_UNITS = ['mysql.service', 'mariadb.service', 'mysqld.service']
const GEARMAN_UNITS = ['gearman-job-server.service', 'gearmand.service']

export function adviseOnWorkerUnit(text: string, unit: string): UnitAdvice {
  const sections = parseUnit(text)
  const after = new Set([
    ...words(sections, 'Unit', 'After'),
    ...words(sections, 'Unit', 'Requires'),
    ...words(sections, 'Unit', 'Wants'),
  ])
  const findings: string[] = []
  const unitLines: string[] = []
  const serviceLines: string[] = []

  const noDb = !DATABASE_UNITS.some((u) => after.has(u))
  const noGearman = !GEARMAN_UNITS.some((u) => after.has(u))
  if (noDb || noGearman) {
    const missing = [noDb ? 'MySQL/MariaDB' : '', noGearman ? 'gearmand' : ''].filter(Boolean).join(' and ')
    findings.push(
      `${unit} is not ordered after ${missing}: at boot the worker can crash before they are up and spend its start limit (AtoM issue 2431)`,
    )
    const wants = [
      ...(noDb ? ['mariadb.service', 'mysql.service'] : []),
      ...(noGearman ? ['gearman-job-server.service'] : []),
    ]
    unitLines.push(`Wants=${wants.join(' ')}`, `After=network-online.target ${wants.join(' ')}`)
  }

  const exec = (sections.get('Service')?.get('ExecStart') ?? []).join(' ')
  const limited = /--max-job-count|--max-mem-usage/.test(exec)
  const success = words(sections, 'Service', 'SuccessExitStatus')
  const restart = last(sections, 'Service', 'Restart') ?? 'no'
  if (limited && !success.includes('111')) {
    findings.push(
      `${unit} runs jobs:worker with --max-job-count/--max-mem-usage, which exits 111 on purpose, but 111 counts as a failure toward the start limit`,
    )
    serviceLines.push('SuccessExitStatus=111')
    if (restart !== 'always') serviceLines.push('Restart=always')
  } else if (limited && success.includes('111') && restart !== 'always') {
    findings.push(`${unit} treats exit 111 as success but Restart=${restart} does not restart it after a planned exit`)
    serviceLines.push('Restart=always')
  }

  if (findings.length === 0) return {findings, dropIn: null, dropInPath: null}
  const parts = [
    '# written by atom-ops doctor',
    ...(unitLines.length > 0 ? ['[Unit]', ...unitLines] : []),
    ...(serviceLines.length > 0 ? ['[Service]', ...serviceLines] : []),
  ]
  return {
    findings,
    dropIn: parts.join('\n') + '\n',
    dropInPath: `/etc/systemd/system/${unit.endsWith('.service') ? unit : `${unit}.service`}.d/atom-ops.conf`,
  }
}

export {parseUnit} from '../service/unit-file.js'

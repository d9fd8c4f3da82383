import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {eachHost, resolveServiceOptions, type ServiceOptions} from '../../service/targets.js'
import {exitNote, type ServiceManager, type UnitStatus} from '../../service/types.js'
import {adviseOnWorkerUnit} from '../unit-advice.js'

/** Lines in a worker's log that explain crashes: PHP fatals, memory exhaustion, the OOM killer. */
const CRASH_LINES =
  /PHP Fatal error|Allowed memory size of \d+ bytes exhausted|Out of memory|oom-kill|Killed process|code=killed, status=9\/KILL/i
/** NRestarts at or above this within the unit's life is a restart loop. */
const RESTART_LOOP = 3

function describeUnit(host: string, s: UnitStatus): string {
  const parts = [`${host} ${s.unit}: ${s.rawState}`]
  if (s.since) parts.push(`since ${s.since}`)
  if (s.restarts !== undefined) parts.push(`${s.restarts} restarts`)
  if (s.lastExitStatus !== undefined) parts.push(`last exit ${s.lastExitStatus}`)
  return parts.join(', ')
}

async function inspectHost(
  manager: ServiceManager,
  options: ServiceOptions,
): Promise<{units: UnitStatus[]; crashes: string[]; unitText?: string}> {
  const units = await manager.expand(options.unit)
  const status = await manager.status(units)
  const log = await manager.logs(units, {lines: 200}).catch(() => [] as string[])
  let unitText: string | undefined
  if (manager.kind === 'systemd' && units.length > 0) {
    const r = await manager.runner.run(['systemctl', 'cat', '--no-pager', units[0]], {timeoutMs: options.timeoutMs})
    if (r.code === 0) unitText = r.stdout
  }

  return {units: status, crashes: log.filter((l) => CRASH_LINES.test(l)).slice(-5), unitText}
}

/**
 * The worker service: running, failed, at its start limit, restarting in a loop, recent crash lines; and
 * its unit definition. Checked only where atom-ops knows what runs it (DoctorEvidence.managerKnown).
 */
export async function checkWorkerService(ctx: DoctorEvidence): Promise<CheckResult[]> {
  const flags = ctx.service
  const base = {id: 'worker.service', title: 'Worker service'}
  if (!ctx.managerKnown) {
    return [
      {
        ...base,
        status: 'skipped',
        rank: 99,
        summary:
          'no service manager known: give --manager/--supervisor-config (or set them in the profile) to check it',
        evidence: [],
      },
    ]
  }

  const options = resolveServiceOptions(ctx.config, flags)
  const hosts = await eachHost(options, (manager) => inspectHost(manager, options))
  const results: CheckResult[] = []
  for (const h of hosts) {
    if (!h.ok) {
      results.push({
        ...base,
        id: `worker.service.${h.host}`,
        status: 'unknown',
        rank: 85,
        summary: `${h.host}: ${h.error.message}`,
        evidence: h.error.hint ? [h.error.hint] : [],
      })
      continue
    }

    const {units, crashes, unitText} = h.value
    const evidence = units.map((s) => describeUnit(h.host, s))
    const notes = units.map((s) => exitNote(s.lastExitStatus)).filter((n): n is string => Boolean(n))
    evidence.push(...notes, ...crashes.map((l) => `log: ${l}`))
    const limited = units.filter((s) => s.startLimitHit)
    const down = units.filter((s) => s.condition === 'failed' || s.condition === 'stopped' || s.condition === 'exited')
    const looping = units.filter((s) => s.condition === 'backoff' || (s.restarts ?? 0) >= RESTART_LOOP)
    const id = hosts.length > 1 ? `${base.id}.${h.host}` : base.id
    if (units.length === 0) {
      results.push({
        ...base,
        id,
        status: 'critical',
        rank: 11,
        summary: `${h.host}: no unit or program matches "${options.unit}"`,
        evidence: [],
        fix: 'Check --unit (systemctl list-units "atom-worker*" or supervisorctl status)',
      })
    } else if (limited.length > 0) {
      results.push({
        ...base,
        id,
        status: 'critical',
        rank: 10,
        summary: `${limited.map((s) => s.unit).join(', ')} hit its start limit: systemd refuses to start it until reset-failed`,
        evidence,
        fix: `${ctx.restartCommand}   # resets the start limit first, then verifies through Gearman`,
        action: {kind: 'reset-and-restart-worker'},
      })
    } else if (down.length > 0) {
      results.push({
        ...base,
        id,
        status: 'critical',
        rank: 10,
        summary: `${down.map((s) => `${s.unit} is ${s.rawState}`).join(', ')}: no worker takes jobs`,
        evidence,
        fix: ctx.restartCommand,
        action: {kind: 'reset-and-restart-worker'},
      })
    } else if (looping.length > 0) {
      results.push({
        ...base,
        id,
        status: 'warning',
        rank: 12,
        summary: `${looping.map((s) => s.unit).join(', ')} is restarting in a loop`,
        evidence,
        fix: `${ctx.command('worker logs -n 100')}   # find what makes it exit`,
      })
    } else if (crashes.length > 0) {
      results.push({
        ...base,
        id,
        status: 'warning',
        rank: 65,
        summary: `running, but its log shows recent crashes`,
        evidence,
        fix: ctx.command('worker logs -n 200'),
      })
    } else {
      results.push({
        ...base,
        id,
        status: 'ok',
        rank: 90,
        summary: `${units.map((s) => `${s.unit} ${s.rawState}`).join(', ')} on ${h.host}`,
        evidence: [],
      })
    }

    if (unitText !== undefined) {
      const advice = adviseOnWorkerUnit(unitText, units[0].unit)
      if (advice.dropIn) {
        results.push({
          id: `worker.unit-definition${hosts.length > 1 ? `.${h.host}` : ''}`,
          title: 'Worker unit definition',
          status: 'warning',
          rank: limited.length > 0 ? 13 : 80,
          summary: advice.findings[0],
          evidence: [
            ...advice.findings.slice(1),
            `drop-in ${advice.dropInPath}:`,
            ...advice.dropIn
              .trimEnd()
              .split('\n')
              .map((l) => `  ${l}`),
          ],
          fix: `systemctl edit ${units[0].unit}   # paste the drop-in above; or save it as ${advice.dropInPath}, then systemctl daemon-reload`,
        })
      }
    }
  }

  return results
}

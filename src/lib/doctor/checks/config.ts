import type {ConfigOrigin} from '../../atom/symfony-config.js'
import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {askedServer} from '../../atom/facts.js'
import {formatHostPort} from '../../util/hostport.js'

const at = (o: ConfigOrigin | undefined) => (o ? `${o.file} (${o.section})` : 'the default')

/**
 * The web app (environment prod) and the worker (environment worker) read the same files through
 * different sections: a `worker:` or `prod:` section can give them different servers or keys. The
 * worker must register, under the web app's prefix, on the server the web app asks.
 */
export async function checkWebAndWorkerAgree(ctx: DoctorEvidence): Promise<CheckResult> {
  const {web, worker} = ctx.install
  const base = {id: 'config.web-worker', title: 'Web app and worker configuration'}
  const problems: string[] = []
  const evidence: string[] = []
  // Overridden on the command line: the files no longer say what the web app uses.
  const keyFromFiles =
    ctx.config.workersKey?.source.kind !== 'flag' &&
    ctx.config.workersKey?.source.kind !== 'env' &&
    ctx.config.workersKey?.source.kind !== 'profile'
  const serversFromFiles = ctx.config.gearman?.source.kind === 'file' || ctx.config.gearman?.source.kind === 'default'
  if (keyFromFiles && web.prefix !== worker.prefix) {
    problems.push(
      `the worker registers under ${worker.prefix} (workers_key "${worker.workersKey}"), the web app asks for ${web.prefix} (workers_key "${web.workersKey}")`,
    )
    evidence.push(
      `web app's workers_key: ${at(web.origins.workersKey)}`,
      `worker's workers_key: ${at(worker.origins.workersKey)}`,
    )
  }

  if (serversFromFiles) {
    const asked = formatHostPort(askedServer(web.gearmanServers))
    const registers = worker.gearmanServers.map((s) => formatHostPort(s))
    if (!registers.includes(asked)) {
      problems.push(`the web app asks ${asked} for workers, but the worker registers only on ${registers.join(', ')}`)
      evidence.push(`web app's servers: ${at(web.origins.servers)}`, `worker's servers: ${at(worker.origins.servers)}`)
    }
  }

  if (problems.length === 0)
    return {
      ...base,
      status: 'ok',
      rank: 90,
      summary: 'same prefix, and the worker registers on the server the web app asks',
      evidence: [],
    }
  return {
    ...base,
    status: 'critical',
    rank: 17,
    summary: `${problems.join('; ')}: every job fails with "No Gearman worker available"`,
    evidence,
    fix: `Make the worker: (or prod:) section of gearman.yml/app.yml agree with the other (atom-ops config show shows both), then: ${ctx.command('cache clear --symfony')} && ${ctx.restartCommand}`,
  }
}

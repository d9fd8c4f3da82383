import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../../cli/base-command.js'
import {exitCodesHelp} from '../../cli/exit-codes.js'
import {collectMetrics, formatPrometheus, type MetricFamily} from '../../lib/metrics/collect.js'
import {serveMetrics} from '../../lib/metrics/serve.js'
import {parseHostPortFlag} from '../../lib/util/hostport.js'

export default class Metrics extends BaseCommand<typeof Metrics> {
  static summary = 'Prometheus metrics: Gearman per function, jobs by status, oldest in-progress age, up per service.'
  static description =
    "Prints the Prometheus text format to stdout (for node_exporter's textfile collector), or serves it over HTTP at /metrics with --listen, collecting afresh at each scrape. Needs no database credentials: without them (config.php unreadable) atom_ops_database_up is 0 and the Gearman metrics are still there.\n\n" +
    exitCodesHelp('metrics')
  static examples = [
    '<%= config.bin %> <%= command.id %> > /var/lib/prometheus/node-exporter/atom.prom',
    '<%= config.bin %> <%= command.id %> --listen 127.0.0.1:9418',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static flags = {
    listen: Flags.string({summary: 'Serve /metrics over HTTP on host:port (e.g. 127.0.0.1:9418) until stopped.'}),
  }

  async run(): Promise<MetricFamily[] | void> {
    const config = await this.settings()
    if (this.flags.listen) {
      const listen = parseHostPortFlag(this.flags.listen, '--listen', 9418)
      const server = await serveMetrics(listen, async () => formatPrometheus(await collectMetrics(config)))
      process.stderr.write(`serving metrics on http://${this.flags.listen}/metrics (Ctrl-C to stop)\n`)
      const {interrupted} = this
      await new Promise<void>((resolve) =>
        interrupted.addEventListener('abort', () => server.close(() => resolve()), {once: true}),
      )
      return
    }

    const families = await collectMetrics(config)
    const text = this.jsonEnabled() ? '' : await formatPrometheus(families)
    return this.output(families, () => text.trimEnd())
  }
}

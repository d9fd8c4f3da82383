import {createServer, type Server} from 'node:http'

import type {HostPort} from '../util/hostport.js'

import {OperationError} from '../errors.js'
import {scrub} from '../util/secrets.js'
import {inert} from '../util/text.js'

/**
 * Serves `render()` at /metrics (collected afresh at each scrape, one scrape at a time) until the
 * returned server is closed. Resolves once listening.
 */
export function serveMetrics(listen: HostPort, render: () => Promise<string>): Promise<Server> {
  let busy: Promise<string> | undefined
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, {'content-type': 'text/plain'}).end('not found: try /metrics\n')
      return
    }

    if (req.url === '/') {
      res.writeHead(200, {'content-type': 'text/plain'}).end('atom-ops metrics: /metrics\n')
      return
    }

    try {
      busy ??= render().finally(() => (busy = undefined))
      const body = await busy
      res.writeHead(200, {'content-type': 'text/plain; version=0.0.4; charset=utf-8'}).end(body)
    } catch (error) {
      res
        .writeHead(500, {'content-type': 'text/plain'})
        .end(`collecting failed: ${inert(scrub((error as Error).message))}\n`)
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new OperationError(
          `cannot listen on ${listen.host}:${listen.port}: ${error.code ?? error.message}`,
          'Choose a free port, e.g. --listen 127.0.0.1:9418',
        ),
      ),
    )
    server.listen(listen.port, listen.host, () => resolve(server))
  })
}

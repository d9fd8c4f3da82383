import {Socket} from 'node:net'

import {OperationError, UnreachableError} from '../errors.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'

/**
 * One command over memcached's text protocol, reading one answer line, bounded by the timeout.
 * `flush_all` answers `OK`; errors are `ERROR`, `CLIENT_ERROR ...` or `SERVER_ERROR ...`.
 */
export function memcachedCommand(server: HostPort, command: string, timeoutMs: number): Promise<string> {
  const where = formatHostPort(server)
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    let buffer = ''
    let done = false
    const finish = (error?: Error, answer?: string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(answer!)
    }

    const timer = setTimeout(
      () =>
        finish(
          new UnreachableError(
            'memcached',
            `memcached ${where} did not answer within ${timeoutMs / 1000}s`,
            'Is memcached running there? Raise --timeout if it is slow.',
          ),
        ),
      timeoutMs,
    )
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffer += chunk
      const nl = buffer.indexOf('\n')
      if (nl !== -1) finish(undefined, buffer.slice(0, nl).replace(/\r$/, ''))
      else if (buffer.length > 4096) finish(new OperationError(`memcached ${where} sent an over-long answer`))
    })
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        new UnreachableError(
          'memcached',
          `memcached ${where} ${error.code === 'ECONNREFUSED' ? 'refused the connection' : `is unreachable (${error.code ?? error.message})`}`,
          'Is memcached running? Check cache_engine_param in app.yml, or give --memcached-server host:port.',
        ),
      ),
    )
    socket.on('close', () =>
      finish(new UnreachableError('memcached', `memcached ${where} closed the connection without answering`)),
    )
    socket.connect(server.port, server.host, () => socket.write(`${command}\r\n`))
  })
}

/** `flush_all`: every item becomes invalid at once. Returns the server's answer (`OK`). */
export async function flushMemcached(server: HostPort, timeoutMs: number): Promise<string> {
  const answer = await memcachedCommand(server, 'flush_all', timeoutMs)
  if (answer !== 'OK')
    throw new OperationError(
      `memcached ${formatHostPort(server)} answered flush_all with ${JSON.stringify(answer.slice(0, 200))}`,
    )
  return answer
}

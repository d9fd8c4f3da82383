import {createServer, type Server, type Socket} from 'node:net'

/** A TCP server on a free loopback port that answers as onConnection makes it: for pathological answers no real gearmand gives. */
export async function fakeServer(
  onConnection: (socket: Socket) => void,
): Promise<{port: number; close(): Promise<void>}> {
  const open = new Set<Socket>()
  const server: Server = createServer((s) => {
    open.add(s)
    s.on('error', () => undefined)
    s.on('close', () => open.delete(s))
    onConnection(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const {port} = server.address() as {port: number}
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy()
        server.close(() => r())
      }),
  }
}

/**
 * Answers the first thing the client sends with one endless line: 64 KiB of "x" at a time, as fast
 * as the client reads, never a newline, until the client closes the connection. onClose is told then.
 */
export function endlessLine(onClose?: () => void): (socket: Socket) => void {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  return (s) => {
    s.on('close', () => onClose?.())
    s.once('data', () => {
      const pump = (): void => {
        while (!s.destroyed) if (!s.write(chunk)) return void s.once('drain', pump)
      }

      pump()
    })
  }
}

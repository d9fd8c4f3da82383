import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {createServer} from 'node:net'

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

export interface Managed {
  pid: number
  name: string
  child?: ChildProcess
}

const live = new Map<number, Managed>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A failing test or a Ctrl-C must not leave servers behind: kill what this process started.
  process.on('exit', () => {
    for (const m of live.values()) killGroup(m.pid, 'SIGKILL')
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const m of live.values()) killGroup(m.pid, 'SIGKILL')
      process.exit(130)
    })
  }
}

/**
 * Starts a program (argument array, no shell). `detached` puts it in its own process group and
 * lets it outlive this process (the demo); otherwise it dies with this process.
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: {logFile?: string; detached?: boolean; env?: NodeJS.ProcessEnv; cwd?: string} = {},
): Managed {
  const fd = options.logFile ? openSync(options.logFile, 'a') : undefined
  const child = spawn(command, args, {
    stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
    detached: true,
    env: options.env ?? process.env,
    cwd: options.cwd,
  })
  if (fd !== undefined) closeSync(fd)
  if (child.pid === undefined) throw new Error(`could not start ${command}`)
  const managed: Managed = {pid: child.pid, name, child}
  child.on('error', () => live.delete(managed.pid))
  child.on('exit', () => live.delete(managed.pid))
  if (options.detached) {
    child.unref()
  } else {
    live.set(child.pid, managed)
    installExitHook()
  }

  return managed
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs = 3000): Promise<void> {
  killGroup(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) await sleep(25)
  if (isAlive(pid)) {
    killGroup(pid, 'SIGKILL')
    const hard = Date.now() + 2000
    while (isAlive(pid) && Date.now() < hard) await sleep(25)
  }

  live.delete(pid)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls until check() returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }

    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await sleep(everyMs)
  }
}

/** A loopback TCP listener that accepts connections and never answers: a hung server. */
export async function startBlackhole(): Promise<{
  host: string
  port: number
  connections(): number
  close(): Promise<void>
}> {
  const {createServer: create} = await import('node:net')
  const sockets = new Set<import('node:net').Socket>()
  let accepted = 0
  const server = create((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as import('node:net').AddressInfo
  return {
    host: '127.0.0.1',
    port,
    /** Connections accepted so far: the event a test waits for before it signals. */
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

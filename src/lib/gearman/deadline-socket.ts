import type {Socket} from 'node:net'

import type {HostPort} from '../util/hostport.js'

import {connectSocket, GearmanClosedError, GearmanTimeoutError, networkError} from './errors.js'

/**
 * A connected job-server socket read under one deadline: the deadline given at open bounds the connect
 * and every later wait for an answer, all together (data trickling in never extends it). A subclass
 * parses what arrives (receive) and reads with waitForData; a parse error, a socket error or a close
 * ends every wait with a typed error. close() always destroys the socket, so no handle keeps the
 * process alive.
 */
export abstract class DeadlineSocket {
  private waiter?: () => void
  private failure?: Error

  protected constructor(
    protected readonly socket: Socket,
    readonly server: HostPort,
    private readonly deadline: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.receive(chunk)
      } catch (error) {
        this.failure ??= error as Error
        socket.destroy()
      }

      this.waiter?.()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= networkError(server, error)
      this.waiter?.()
    })
    socket.on('close', () => {
      this.failure ??= new GearmanClosedError(server)
      this.waiter?.()
    })
  }

  /** Connects within timeoutMs, then builds the connection with the same budget as its deadline. */
  protected static connect<C>(
    server: HostPort,
    timeoutMs: number,
    build: (socket: Socket, deadline: number) => C,
  ): Promise<C> {
    const deadline = Date.now() + timeoutMs
    return connectSocket(server, timeoutMs).then((socket) => build(socket, deadline))
  }

  /** Takes in what arrived (in linear time: a chunk is never re-scanned); throwing fails the connection. */
  protected abstract receive(chunk: Buffer): void

  /** Waits until something arrives; throws the connection's failure, or a timeout saying what had no answer. */
  protected async waitForData(noAnswer: string): Promise<void> {
    if (this.failure) throw this.failure
    const left = this.deadline - Date.now()
    if (left <= 0) {
      this.socket.destroy()
      throw new GearmanTimeoutError(this.server, noAnswer)
    }

    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left)
      this.waiter = () => {
        clearTimeout(timer)
        this.waiter = undefined
        resolve()
      }
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

/**
 * The time left before a deadline, for the next connection of the same request (a view or picture of
 * one server spans an admin and a binary connection): at least 1 ms, so an expired one fails as a timeout.
 */
export function msLeft(deadline: number): number {
  return Math.max(1, deadline - Date.now())
}

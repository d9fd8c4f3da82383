import {formatBytes} from '../util/bytes.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'
import {DeadlineSocket} from './deadline-socket.js'
import {GearmanProtocolError, GearmanServerError} from './errors.js'

/** Packet types of the binary protocol that atom-ops sends or expects (gearmand's PROTOCOL file). */
export const PacketType = {
  CAN_DO: 1,
  CANT_DO: 2,
  PRE_SLEEP: 4,
  NOOP: 6,
  JOB_CREATED: 8,
  GRAB_JOB: 9,
  NO_JOB: 10,
  JOB_ASSIGN: 11,
  WORK_COMPLETE: 13,
  WORK_FAIL: 14,
  GET_STATUS: 15,
  ECHO_REQ: 16,
  ECHO_RES: 17,
  SUBMIT_JOB_BG: 18,
  ERROR: 19,
  STATUS_RES: 20,
  SET_CLIENT_ID: 22,
} as const

const REQ = Buffer.from([0, 0x52, 0x45, 0x51]) // \0REQ
const RES = Buffer.from([0, 0x52, 0x45, 0x53]) // \0RES
const HEADER = 12
/**
 * The largest packet body atom-ops accepts, checked on the header before the body is waited for (or
 * any room made for it). The answers it reads are small: ECHO_RES echoes its own few bytes, JOB_CREATED
 * and STATUS_RES carry a handle (gearmand's are under 64 bytes) and a few numbers, ERROR a code and a
 * sentence. 1 MiB is thousands of times that; a larger length is garbage or a hostile server.
 */
const MAX_PACKET_BODY_BYTES = 1024 * 1024

export interface Packet {
  type: number
  /** The body's arguments split on NUL (the last one, a workload, may itself contain NULs: use body). */
  body: Buffer
}

/** `\0REQ`, type and length big-endian, then the arguments joined by NUL. */
export function encodePacket(type: number, args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = []
  for (const [i, a] of args.entries()) {
    if (i > 0) parts.push(Buffer.from([0]))
    parts.push(typeof a === 'string' ? Buffer.from(a, 'utf8') : a)
  }

  const body = Buffer.concat(parts)
  const header = Buffer.alloc(HEADER)
  REQ.copy(header, 0)
  header.writeUInt32BE(type, 4)
  header.writeUInt32BE(body.length, 8)
  return Buffer.concat([header, body])
}

/**
 * Takes complete `\0RES` packets off the front of a buffer. Returns the packets and the bytes left
 * over (a packet split across TCP chunks waits for the rest). Throws on a bad magic or a length over
 * the limit, as soon as the header is there.
 */
export function decodePackets(buffer: Buffer, from = 'the Gearman job server'): {packets: Packet[]; rest: Buffer} {
  const packets: Packet[] = []
  let offset = 0
  while (buffer.length - offset >= HEADER) {
    if (!buffer.subarray(offset, offset + 4).equals(RES))
      throw new GearmanProtocolError(`${from} answered without the \\0RES magic of the Gearman binary protocol`)
    const type = buffer.readUInt32BE(offset + 4)
    const length = buffer.readUInt32BE(offset + 8)
    if (length > MAX_PACKET_BODY_BYTES)
      throw new GearmanProtocolError(
        `${from} sent an answer larger than ${formatBytes(MAX_PACKET_BODY_BYTES)} (a packet announcing ${formatBytes(length)})`,
      )
    if (buffer.length - offset < HEADER + length) break
    packets.push({type, body: Buffer.from(buffer.subarray(offset + HEADER, offset + HEADER + length))})
    offset += HEADER + length
  }

  return {packets, rest: buffer.subarray(offset)}
}

/** Splits a body into at most `count` NUL-separated arguments (the last keeps any further NULs). */
export function splitArgs(body: Buffer, count: number): string[] {
  const out: string[] = []
  let start = 0
  while (out.length < count - 1) {
    const nul = body.indexOf(0, start)
    if (nul === -1) break
    out.push(body.subarray(start, nul).toString('utf8'))
    start = nul + 1
  }

  out.push(body.subarray(start).toString('utf8'))
  return out
}

export interface JobStatus {
  handle: string
  /** The server knows the handle (queued or running). */
  known: boolean
  running: boolean
  numerator: number
  denominator: number
}

/** STATUS_RES: `handle\0known\0running\0numerator\0denominator` (the denominator is text, not a byte). */
export function parseStatusRes(body: Buffer): JobStatus {
  const [handle, known, running, numerator, denominator] = splitArgs(body, 5)
  if (denominator === undefined)
    throw new GearmanProtocolError(
      `STATUS_RES with fewer than 5 fields: ${JSON.stringify(body.toString('utf8').slice(0, 80))}`,
    )
  return {
    handle,
    known: known === '1',
    running: running === '1',
    numerator: Number(numerator) || 0,
    denominator: Number(denominator) || 0,
  }
}

/**
 * One TCP connection speaking the binary protocol, for the few requests atom-ops needs (ECHO,
 * SUBMIT_JOB_BG, GET_STATUS, and the worker side CAN_DO / SET_CLIENT_ID used by the tests).
 * Requests are answered in order; every wait is bounded by the deadline given at open.
 */
export class BinaryConnection extends DeadlineSocket {
  /** Bytes not yet decoded, kept as they came, and how many are needed before decoding is worth it. */
  private pending: Buffer[] = []
  private pendingBytes = 0
  private needed = HEADER
  private readonly packets: Packet[] = []

  static open(server: HostPort, timeoutMs: number): Promise<BinaryConnection> {
    return DeadlineSocket.connect(
      server,
      timeoutMs,
      (socket, deadline) => new BinaryConnection(socket, server, deadline),
    )
  }

  /** Chunks are joined only once a whole header, or a whole packet, is there: each byte is copied a bounded number of times. */
  protected receive(chunk: Buffer): void {
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    if (this.pendingBytes < this.needed) return
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    const {packets, rest} = decodePackets(bytes, `Gearman job server ${formatHostPort(this.server)}`)
    this.packets.push(...packets)
    this.pending = rest.length > 0 ? [rest] : []
    this.pendingBytes = rest.length
    // decodePackets has checked a complete header left over: its body is within the limit.
    this.needed = rest.length >= HEADER ? HEADER + rest.readUInt32BE(8) : HEADER
  }

  /** Sends a packet that has no answer (CAN_DO, SET_CLIENT_ID, ...). */
  send(type: number, args: Array<string | Buffer>): void {
    this.socket.write(encodePacket(type, args))
  }

  /** Sends a request and waits for its answer; an ERROR packet becomes a GearmanServerError. */
  async request(type: number, args: Array<string | Buffer>, expect: number, what: string): Promise<Packet> {
    this.send(type, args)
    const packet = await this.next(what)
    if (packet.type === PacketType.ERROR) {
      const [code, text] = splitArgs(packet.body, 2)
      throw new GearmanServerError(this.server, what, code, text ?? '')
    }

    if (packet.type !== expect)
      throw new GearmanProtocolError(
        `Gearman job server ${formatHostPort(this.server)} answered ${what} with packet type ${packet.type}, expected ${expect}`,
      )
    return packet
  }

  /** ECHO_REQ: the server sends the payload back. Returns the round trip in milliseconds (fractional). */
  async echo(payload = 'atom-ops'): Promise<number> {
    const started = process.hrtime.bigint()
    const packet = await this.request(PacketType.ECHO_REQ, [payload], PacketType.ECHO_RES, 'ECHO_REQ')
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (packet.body.toString('utf8') !== payload)
      throw new GearmanProtocolError(
        `Gearman job server ${formatHostPort(this.server)} echoed something else than it was sent`,
      )
    return ms
  }

  /** SUBMIT_JOB_BG: queues a background job; returns its handle (the same handle for a repeated unique id). */
  async submitBackground(fn: string, unique: string, workload: string | Buffer): Promise<string> {
    const packet = await this.request(
      PacketType.SUBMIT_JOB_BG,
      [fn, unique, workload],
      PacketType.JOB_CREATED,
      'SUBMIT_JOB_BG',
    )
    return packet.body.toString('utf8')
  }

  /** GET_STATUS: whether the server knows the handle and whether a worker runs it. */
  async getStatus(handle: string): Promise<JobStatus> {
    return parseStatusRes(
      (await this.request(PacketType.GET_STATUS, [handle], PacketType.STATUS_RES, 'GET_STATUS')).body,
    )
  }

  /** GET_STATUS for many handles, pipelined: one round trip's worth of waiting instead of one per handle. */
  async getStatuses(handles: string[]): Promise<JobStatus[]> {
    for (const h of handles) this.send(PacketType.GET_STATUS, [h])
    const out: JobStatus[] = []
    for (let i = 0; i < handles.length; i++) {
      const packet = await this.next('GET_STATUS')
      if (packet.type !== PacketType.STATUS_RES)
        throw new GearmanProtocolError(
          `Gearman job server ${formatHostPort(this.server)} answered GET_STATUS with packet type ${packet.type}`,
        )
      out.push(parseStatusRes(packet.body))
    }

    return out
  }

  /** Worker side: registers functions (and a client id) on this connection; no answer is sent. */
  registerWorker(functions: string[], clientId?: string): void {
    const out: Buffer[] = []
    if (clientId) out.push(encodePacket(PacketType.SET_CLIENT_ID, [clientId]))
    for (const f of functions) out.push(encodePacket(PacketType.CAN_DO, [f]))
    this.socket.write(Buffer.concat(out))
  }

  private async next(what: string): Promise<Packet> {
    for (;;) {
      const packet = this.packets.shift()
      if (packet) return packet
      await this.waitForData(`no answer to ${what}`)
    }
  }
}

/** Opens a binary connection, runs fn, always closes. */
export async function withBinary<T>(
  server: HostPort,
  timeoutMs: number,
  fn: (conn: BinaryConnection) => Promise<T>,
): Promise<T> {
  const conn = await BinaryConnection.open(server, timeoutMs)
  try {
    return await fn(conn)
  } finally {
    conn.close()
  }
}

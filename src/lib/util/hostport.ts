import {UsageError} from '../errors.js'

export interface HostPort {
  host: string
  port: number
}

/**
 * Parses `host`, `host:port`, `[v6]:port`. Returns undefined for invalid input so callers can choose
 * the error kind (a typo in a flag is a usage error, in gearman.yml a config error).
 */
export function parseHostPort(text: string, defaultPort: number): HostPort | undefined {
  const s = text.trim()
  // Surrounding whitespace too: `host:4730\n` is a paste error, not a host.
  if (s === '' || /[\s/@?#]/.test(text)) return undefined
  let host: string
  let portText: string | undefined
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(s)
  if (v6) {
    host = v6[1]
    portText = v6[2]
  } else {
    const parts = s.split(':')
    if (parts.length > 2) return undefined
    host = parts[0]
    portText = parts[1]
  }

  if (!/^[A-Za-z0-9._:-]+$/.test(host) || host.startsWith('-') || host.startsWith('.')) return undefined
  let port = defaultPort
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined
    port = Number(portText)
    if (port < 1 || port > 65_535) return undefined
  }

  return {host, port}
}

export function parseHostPortFlag(text: string, flag: string, defaultPort: number): HostPort {
  const hp = parseHostPort(text, defaultPort)
  if (!hp)
    throw new UsageError(`${flag} "${text}" is not a valid host:port`, `Example: ${flag} 127.0.0.1:${defaultPort}`)
  return hp
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`
}

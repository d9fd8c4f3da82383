import {readFile, realpath, stat} from 'node:fs/promises'

import {ConfigError} from '../errors.js'

/** Reads a config file, turning "missing" and "unreadable" into one clear ConfigError each. */
export async function readConfigFile(path: string, what: string, hint?: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw fileError(error, path, what, hint)
  }
}

export async function readOptionalConfigFile(path: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw fileError(error, path, what)
  }
}

export async function resolveRealDirectory(path: string, what: string, hint: string): Promise<string> {
  let real: string
  try {
    real = await realpath(path)
  } catch (error) {
    throw fileError(error, path, what, hint)
  }
  if (!(await stat(real)).isDirectory()) throw new ConfigError(`${what} ${path} is not a directory`, hint)
  return real
}

function fileError(error: unknown, path: string, what: string, hint?: string): ConfigError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return new ConfigError(`${what} not found: ${path}`, hint)
  if (code === 'EACCES' || code === 'EPERM') {
    return new ConfigError(`${what} is not readable: ${path}`, 'Run atom-ops as a user that can read it (often root or www-data), e.g. with sudo.')
  }
  if (code === 'EISDIR') return new ConfigError(`${what} is a directory, not a file: ${path}`, hint)
  return new ConfigError(`${what} could not be read: ${path} (${code ?? String(error)})`, hint)
}

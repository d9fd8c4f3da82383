import {constants} from 'node:fs'
import {open, readFile, realpath, stat} from 'node:fs/promises'

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

/**
 * A file that must be its owner's alone (a password file): refused, unread, when its group or other
 * users may read it, as ssh refuses such a key.
 */
export async function readOwnerOnlyFile(path: string, what: string): Promise<string> {
  let handle
  try {
    // O_NONBLOCK: a FIFO given by mistake must not hang the command.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw fileError(error, path, what)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new ConfigError(`${what} is not a regular file: ${path}`, 'Give the path of a file holding the password on its first line.')
    if (st.mode & 0o044) {
      throw new ConfigError(`${what} ${path} is readable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): not read`, `chmod 600 ${path}: a password file must be readable by its owner only.`)
    }
    return await handle.readFile('utf8')
  } catch (error) {
    throw error instanceof ConfigError ? error : fileError(error, path, what)
  } finally {
    await handle.close()
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

/** The login name of a uid, from /etc/passwd (no NSS lookup: enough for the local accounts AtoM runs as). */
export async function userName(uid: number): Promise<string | undefined> {
  try {
    for (const line of (await readFile('/etc/passwd', 'utf8')).split('\n')) {
      const f = line.split(':')
      if (f.length > 2 && Number(f[2]) === uid) return f[0]
    }
  } catch {
    // no passwd file
  }
  return undefined
}

/** The owner's login name of a file or directory (AtoM's files belong to the user its worker runs as). */
export async function ownerName(path: string): Promise<string | undefined> {
  try {
    return await userName((await stat(path)).uid)
  } catch {
    return undefined
  }
}

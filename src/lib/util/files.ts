import {constants} from 'node:fs'
import {open, readFile, realpath, stat} from 'node:fs/promises'

import {ConfigError} from '../errors.js'
import {formatBytes} from './bytes.js'

/**
 * The most atom-ops reads of any configuration file (config.php, gearman.yml, app.yml, settings.yml,
 * ProjectConfiguration.class.php, php.ini, its own profile file). Real ones are small: AtoM ships
 * them at 1-3 KB (config/app.yml, config/ProjectConfiguration.class.php, the settings.yml template),
 * the installer's config.php is under 1 KB, and the largest, Debian's php.ini, is about 72 KB. At
 * 1 MiB, parsing stays under a second (measured on the bench machine: about 0.5 s for PHP, 0.8 s for
 * YAML); a larger file is a wrong path or an attack, and is refused before it is read.
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024

/** Reads a config file, turning "missing", "unreadable" and "too large" into one clear ConfigError each. */
export async function readConfigFile(path: string, what: string, hint?: string): Promise<string> {
  try {
    return await readBounded(path, what)
  } catch (error) {
    throw fileError(error, path, what, hint)
  }
}

export async function readOptionalConfigFile(path: string, what: string): Promise<string | undefined> {
  try {
    return await readBounded(path, what)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw fileError(error, path, what)
  }
}

/**
 * The file's text, its size checked (fstat) before anything is read; the read itself stops once past
 * the limit, so a file that grew meanwhile or a device without a size (/dev/zero) is bounded too.
 */
async function readBounded(path: string, what: string): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const info = await handle.stat()
    if (info.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, what, info.size)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const {bytesRead, buffer} = await handle.read({buffer: Buffer.allocUnsafe(Math.max(info.size + 1, 64 * 1024))})
      if (bytesRead === 0) break
      chunks.push(buffer.subarray(0, bytesRead))
      total += bytesRead
      if (total > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, what)
    }

    return Buffer.concat(chunks, total).toString('utf8')
  } finally {
    await handle.close()
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
    if (st.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, what, st.size)
    if (!st.isFile())
      throw new ConfigError(
        `${what} is not a regular file: ${path}`,
        'Give the path of a file holding the password on its first line.',
      )
    if (st.mode & 0o044) {
      throw new ConfigError(
        `${what} ${path} is readable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): not read`,
        `chmod 600 ${path}: a password file must be readable by its owner only.`,
      )
    }

    return await handle.readFile('utf8')
  } catch (error) {
    throw error instanceof ConfigError ? error : fileError(error, path, what)
  } finally {
    await handle.close()
  }
}

/** size: the file's, when fstat knew it (a device or a growing file is only known to be over). */
function tooLarge(path: string, what: string, size?: number): ConfigError {
  return new ConfigError(
    `${what} is too large: ${path} is ${size === undefined ? '' : `${formatBytes(size)}, `}over the ${formatBytes(MAX_CONFIG_FILE_BYTES)} limit`,
    'Configuration files are a few KB: is this the right file? atom-ops does not read larger ones.',
  )
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
  if (error instanceof ConfigError) return error
  const {code} = error as NodeJS.ErrnoException
  if (code === 'ENOENT') return new ConfigError(`${what} not found: ${path}`, hint)
  if (code === 'EACCES' || code === 'EPERM') {
    return new ConfigError(
      `${what} is not readable: ${path}`,
      'Run atom-ops as a user that can read it (often root or www-data), e.g. with sudo.',
    )
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

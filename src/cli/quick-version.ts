import {existsSync, readFileSync} from 'node:fs'
import {arch, platform, release} from 'node:os'
import {join} from 'node:path'

/**
 * `atom-ops --version` answered before oclif is loaded (bin/run.js): the line oclif itself prints,
 * its Config.userAgent, `name/version platform-arch node-vX`, built from the same package.json.
 * Only where the answer is certain: otherwise undefined, and oclif answers as before. A unit test
 * compares this line with oclif's own for the same root.
 *
 * oclif prints it when the first argument is `--version` or one of package.json's
 * oclif.additionalVersionFlags (main.js versionAddition); its platform is 'wsl' under WSL (wsl-utils):
 * wherever that could be so, oclif decides. DEBUG (oclif's debug output) also leaves it to oclif.
 */
export function quickVersion(
  argv: readonly string[],
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const first = argv[0]
  if (first === undefined || !first.startsWith('-')) return undefined
  if (env.DEBUG) return undefined
  let pjson: {name?: unknown; version?: unknown; oclif?: {additionalVersionFlags?: unknown}}
  try {
    pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  } catch {
    return undefined
  }

  const extra = pjson.oclif?.additionalVersionFlags
  const flags = ['--version', ...(Array.isArray(extra) ? extra : [])]
  if (!flags.includes(first)) return undefined
  if (typeof pjson.name !== 'string' || pjson.name === '') return undefined
  const version = typeof pjson.version === 'string' && pjson.version !== '' ? pjson.version : '0.0.0'
  const os = platform()
  if (os === 'linux' && mayBeWsl()) return undefined
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pjson.name}/${version} ${os}-${cpu} node-${process.version}`
}

/** is-wsl's signs of WSL (a kernel release or /proc/version naming Microsoft, WSL's interop files); any of them: ask oclif. */
function mayBeWsl(): boolean {
  if (/microsoft/i.test(release())) return true
  try {
    if (/microsoft/i.test(readFileSync('/proc/version', 'utf8'))) return true
  } catch {
    // no /proc/version: is-wsl goes on to the files below
  }

  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')
}

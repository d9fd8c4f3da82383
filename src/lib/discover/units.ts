import {readdir} from 'node:fs/promises'
import {basename, dirname, isAbsolute, join, resolve} from 'node:path'

import {describeError} from '../errors.js'
import {globToRegExp, isPattern} from '../service/types.js'
import {parseUnit} from '../service/unit-file.js'
import {readOptionalConfigFile} from '../util/files.js'
import {splitShellWords} from '../util/words.js'
import {parseWorkerCommand, WORKER_TASK} from './worker-command.js'

/** A worker a service manager's configuration defines (running or not). */
export interface ConfiguredWorker {
  manager: 'systemd' | 'supervisor'
  /** The unit file or supervisord file that defines it. */
  file: string
  /** The systemd unit (`atom-worker`, `atom-worker@*` for a template) or supervisord program or group. */
  unit: string
  /** The install it runs in, when the configuration tells. */
  root?: string
  user?: string
  /** supervisord: the main configuration file (its -c) whose [include] reads `file`. */
  configFile?: string
  /** Why the install could not be told (a specifier or variable atom-ops does not expand). */
  problem?: string
}

export interface ConfigScan {
  /** Files read. */
  files: number
  workers: ConfiguredWorker[]
  /** Files that could not be read, one line each. */
  unreadable: string[]
}

/** Files matching `dir/pattern` (a wildcard in the last part only, as in supervisord's and systemd's own lists), sorted. */
async function expandGlob(path: string): Promise<string[]> {
  if (!isPattern(basename(path))) return [path]
  const re = globToRegExp(basename(path))
  try {
    return (await readdir(dirname(path)))
      .filter((name) => re.test(name))
      .sort()
      .map((name) => join(dirname(path), name))
  } catch {
    return []
  }
}

async function readFileText(path: string, what: string, unreadable: string[]): Promise<string | undefined> {
  try {
    return await readOptionalConfigFile(path, what)
  } catch (error) {
    unreadable.push(describeError(error))
    return undefined
  }
}

// systemd ----------------------------------------------------------------------------------------

/** What systemd allows before an ExecStart= program: @ (argv0 follows), -, :, +, !. */
const EXEC_PREFIX = /^[@\-:+!]+/

/**
 * Worker units in systemd's unit directories (first directory wins for a name, as systemd's own
 * search order; drop-ins `NAME.service.d/*.conf` are merged over it): the unit files are parsed,
 * never handed to systemctl, so this works the same on a host without systemd running.
 */
export async function scanSystemdUnits(dirs: string[]): Promise<ConfigScan> {
  const unreadable: string[] = []
  const units = new Map<string, string>()
  const dropIns = new Map<string, string>()
  for (const dir of dirs) {
    let names: string[]
    try {
      names = await readdir(dir)
    } catch {
      continue
    }

    for (const name of names.filter((n) => n.endsWith('.service')).sort())
      if (!units.has(name)) units.set(name, join(dir, name))
    for (const name of names.filter((n) => n.endsWith('.service.d'))) {
      for (const file of await expandGlob(join(dir, name, '*.conf'))) {
        const key = `${name.slice(0, -2)}/${basename(file)}`
        if (!dropIns.has(key)) dropIns.set(key, file)
      }
    }
  }

  let files = 0
  const workers: ConfiguredWorker[] = []
  for (const [name, file] of units) {
    const extra = [...dropIns]
      .filter(([key]) => key.startsWith(`${name}/`))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, f]) => f)
    const texts: string[] = []
    for (const f of [file, ...extra]) {
      const text = await readFileText(f, 'a systemd unit file', unreadable)
      files++
      if (text !== undefined) texts.push(text)
    }

    const all = texts.join('\n')
    if (!all.includes(WORKER_TASK)) continue
    const worker = workerFromUnit(name, file, all)
    if (worker) workers.push(worker)
  }

  return {files, workers, unreadable}
}

function workerFromUnit(name: string, file: string, text: string): ConfiguredWorker | undefined {
  const service = parseUnit(text).get('Service')
  const last = (key: string) => service?.get(key)?.at(-1)
  const base = name.replace(/\.service$/, '')
  const unit = base.endsWith('@') ? `${base}*` : base
  const workingDirectory = last('WorkingDirectory')?.replace(/^-/, '')
  for (const exec of service?.get('ExecStart') ?? []) {
    const words = splitShellWords(exec.replace(EXEC_PREFIX, ''))
    if (!words) continue
    const dir = workingDirectory && isAbsolute(workingDirectory) ? workingDirectory : undefined
    const command = parseWorkerCommand(words, dir)
    if (!command) continue
    const root = command.root && unexpanded(command.root)
    return {
      manager: 'systemd',
      file,
      unit,
      root: root ? undefined : command.root,
      user: last('User'),
      problem:
        root ??
        (command.root
          ? undefined
          : `runs ${command.symfony} relative to WorkingDirectory=${workingDirectory ?? '(none)'}`),
    }
  }

  return undefined
}

/** A path still holding a specifier (%i) or variable (%(ENV_X)s) atom-ops does not expand. */
function unexpanded(path: string): string | undefined {
  return /[%$]/.test(path) ? `its directory ${path} holds a specifier or variable atom-ops does not expand` : undefined
}

// supervisord ------------------------------------------------------------------------------------

interface IniSection {
  name: string
  values: Map<string, string>
}

/**
 * supervisord's INI dialect (Python's RawConfigParser as supervisord configures it): `key = value`
 * or `key: value`, comment lines and inline comments after whitespace (`;` or `#`), indented lines
 * continuing the value above.
 */
export function parseSupervisorIni(text: string): IniSection[] {
  const sections: IniSection[] = []
  let current: IniSection | undefined
  let key: string | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s[;#].*$/, '').trimEnd()
    if (line.trim() === '' || /^[;#]/.test(line)) continue
    if (/^\s/.test(line) && current && key) {
      current.values.set(key, `${current.values.get(key)}\n${line.trim()}`)
      continue
    }

    const header = /^\[([^\]]+)\]/.exec(line)
    if (header) {
      current = {name: header[1].trim(), values: new Map()}
      sections.push(current)
      key = undefined
      continue
    }

    const at = line.search(/[=:]/)
    if (!current || at < 0) continue
    key = line.slice(0, at).trim().toLowerCase()
    current.values.set(key, line.slice(at + 1).trim())
  }

  return sections
}

/** supervisord's %(name)s expansions that atom-ops knows; others are left for `unexpanded` to report. */
function expand(value: string, vars: Record<string, string>): string {
  return value
    .replaceAll(/%\((\w+)\)[-#0 +]*\d*[sd]/g, (whole, name: string) => vars[name] ?? whole)
    .replaceAll('%%', '%')
}

interface SupervisorFile {
  path: string
  sections: IniSection[]
  /** The main configuration (with [supervisord]) that reads this file: itself, its includer, or none. */
  configFile?: string
}

/**
 * Worker programs in supervisord's configuration: each given file (or glob) is parsed, a main file's
 * [include] files followed (relative to it, as supervisord does); a program's unit is its group when
 * a [group:] lists it.
 */
export async function scanSupervisorConfigs(entries: string[]): Promise<ConfigScan> {
  const unreadable: string[] = []
  const parsed = new Map<string, SupervisorFile>()
  const read = async (path: string, configFile?: string): Promise<SupervisorFile | undefined> => {
    const key = resolve(path)
    const known = parsed.get(key)
    if (known) {
      known.configFile ??= configFile
      return known
    }

    const text = await readFileText(key, 'a supervisord configuration file', unreadable)
    if (text === undefined) return undefined
    const sections = parseSupervisorIni(text)
    const main = sections.some((s) => s.name === 'supervisord')
    const file: SupervisorFile = {path: key, sections, configFile: main ? key : configFile}
    parsed.set(key, file)
    return file
  }

  const listed = (await Promise.all(entries.map(expandGlob))).flat()
  const mains = (await Promise.all(listed.map((path) => read(path)))).filter(
    (f): f is SupervisorFile => f !== undefined && f.configFile === f.path,
  )
  for (const main of mains) {
    const include = main.sections.find((s) => s.name === 'include')?.values.get('files')
    for (const pattern of include
      ? expand(include, {here: dirname(main.path)})
          .split(/\s+/)
          .filter(Boolean)
      : []) {
      for (const path of await expandGlob(resolve(dirname(main.path), pattern))) await read(path, main.path)
    }
  }

  const files = [...parsed.values()]
  const workers: ConfiguredWorker[] = []
  for (const file of files) {
    const tree = files.filter((f) => (file.configFile ? f.configFile === file.configFile : f === file))
    const groups = tree.flatMap((f) => f.sections.filter((s) => s.name.startsWith('group:')))
    for (const section of file.sections.filter((s) => s.name.startsWith('program:'))) {
      const program = section.name.slice('program:'.length)
      const group = groups.find((g) =>
        (g.values.get('programs') ?? '')
          .split(',')
          .map((p) => p.trim())
          .includes(program),
      )
      const vars = {
        program_name: program,
        group_name: group ? group.name.slice('group:'.length) : program,
        here: dirname(file.path),
        process_num: '0',
      }
      const commandText = section.values.get('command')
      if (!commandText?.includes(WORKER_TASK)) continue
      const directory = section.values.has('directory') ? expand(section.values.get('directory')!, vars) : undefined
      const words = splitShellWords(expand(commandText, vars))
      const command = words && parseWorkerCommand(words, directory)
      if (!command) continue
      const problem = command.root
        ? unexpanded(command.root)
        : `runs ${command.symfony} without a directory= to run it in`
      workers.push({
        manager: 'supervisor',
        file: file.path,
        unit: vars.group_name,
        root: problem ? undefined : command.root,
        user: section.values.get('user'),
        configFile: file.configFile,
        problem,
      })
    }
  }

  return {files: files.length, workers, unreadable}
}

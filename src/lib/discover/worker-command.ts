import {basename, dirname, isAbsolute, resolve} from 'node:path'

import {splitShellWords} from '../util/words.js'

/** AtoM's worker task, as `php symfony jobs:worker` runs it. */
export const WORKER_TASK = 'jobs:worker'

export interface WorkerCommand {
  /** The install the worker runs in; undefined when the command is relative and its directory unknown. */
  root?: string
  /** The symfony script as written (`symfony`, `./symfony`, `/usr/share/nginx/atom/symfony`). */
  symfony: string
  /** What follows jobs:worker (--types, --abilities, --max-job-count, ...). */
  options: string[]
}

const PHP = /^php[\d.]*(-cli)?$/
const SHELLS = new Set(['bash', 'dash', 'sh', 'zsh'])
/** Programs that run the command after their own options: `sudo -u www-data php …`, `exec php …`. */
const WRAPPERS = new Set([
  'chpst',
  'env',
  'exec',
  'ionice',
  'nice',
  'nohup',
  'runuser',
  'setpriv',
  'setsid',
  'stdbuf',
  'sudo',
  'timeout',
])

/** php runs the script: it is the program, a shell's script (a php wrapper script), or behind a wrapper. */
function runsPhp(argv: string[], script: number): boolean {
  const php = argv.slice(0, script).findIndex((word) => PHP.test(basename(word)))
  if (php === -1) return false
  const program = basename(argv[0])
  return php === 0 || (php === 1 && SHELLS.has(program)) || WRAPPERS.has(program)
}

/**
 * Finds `php … symfony jobs:worker …` in an argument list, also behind `sh -c "cd DIR && exec php
 * symfony jobs:worker"`, and the install it runs in: the directory of the symfony script, relative to
 * `dir` (the working directory the command starts in) when it is relative. Undefined for any other
 * command.
 */
export function parseWorkerCommand(argv: string[], dir?: string): WorkerCommand | undefined {
  const task = argv.indexOf(WORKER_TASK)
  if (task === -1) return viaShell(argv, dir)
  let script = -1
  for (let i = task - 1; i >= 0 && script < 0; i--) if (basename(argv[i]) === 'symfony') script = i
  if (script < 0 || !runsPhp(argv, script)) return undefined
  const symfony = argv[script]
  const root = isAbsolute(symfony) ? dirname(symfony) : dir === undefined ? undefined : resolve(dir, dirname(symfony))
  return {root, symfony, options: argv.slice(task + 1)}
}

/** `sh -c "cd /srv/atom && php symfony jobs:worker"`: the script's steps, following its `cd`s. */
function viaShell(argv: string[], dir: string | undefined): WorkerCommand | undefined {
  const c = argv.indexOf('-c')
  if (c === -1 || c + 1 >= argv.length || !argv.slice(0, c).some((word) => SHELLS.has(basename(word)))) return undefined
  const words = splitShellWords(argv[c + 1])
  if (!words) return undefined
  let here = dir
  let step: string[] = []
  // `cd /srv/atom; php …` splits as `/srv/atom;`
  const tokens = words.flatMap((word) => (word.length > 1 && word.endsWith(';') ? [word.slice(0, -1), ';'] : [word]))
  for (const word of [...tokens, ';']) {
    if (word !== ';' && word !== '&&' && word !== '||') {
      step.push(word)
      continue
    }

    if (step[0] === 'cd' && step.length === 2)
      here = isAbsolute(step[1]) ? step[1] : here === undefined ? undefined : resolve(here, step[1])
    const found = parseWorkerCommand(step, here)
    if (found) return found
    step = []
  }

  return undefined
}

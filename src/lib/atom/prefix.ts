import {createHash} from 'node:crypto'

/** AtoM's Gearman function prefix: md5(realpath of the install root . workers_key) . '-'. */
export function functionPrefix(realRoot: string, workersKey: string): string {
  return (
    createHash('md5')
      .update(realRoot + workersKey)
      .digest('hex') + '-'
  )
}

export interface FunctionNameParts {
  /** The 32-hex prefix with its dash, or undefined when the name has none. */
  prefix?: string
  jobClass: string
}

const PREFIXED = /^([0-9a-f]{32}-)(.+)$/

export function splitFunctionName(name: string): FunctionNameParts {
  const m = PREFIXED.exec(name)
  return m ? {prefix: m[1], jobClass: m[2]} : {jobClass: name}
}

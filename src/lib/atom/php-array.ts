import {ConfigError} from '../errors.js'

/** The subset of PHP values that var_export writes: what AtoM's config.php may contain. */
export type PhpValue = string | number | boolean | null | PhpValue[] | {[key: string]: PhpValue}

/** A node of php-parser's syntax tree. */
export interface PhpNode {
  kind: string
  [key: string]: unknown
}

/** A PHP file's syntax tree, from a real PHP parser; nothing in it is executed. */
export async function parsePhpProgram(source: string, file: string): Promise<PhpNode> {
  const {Engine} = (await import('php-parser')).default as typeof import('php-parser')
  const engine = new Engine({
    parser: {php7: true, extractDoc: false, suppressErrors: false},
    ast: {withPositions: true},
  })
  try {
    return engine.parseCode(source, file) as unknown as PhpNode
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError(
      `${file} is not valid PHP: ${reason}`,
      'Check the file for a syntax error (php -l shows the same).',
    )
  }
}

/**
 * Reads `<?php return array(...);` the way AtoM's installer writes config.php, with a real PHP parser.
 * Nothing is executed: any construct other than literal arrays, strings, numbers, booleans and null
 * (a variable, a function call, string interpolation) is refused with the line it came from.
 */
export async function parsePhpReturnArray(source: string, file: string): Promise<PhpValue> {
  const program = await parsePhpProgram(source, file)
  const statements = (program.children as PhpNode[]).filter((n) => n.kind !== 'inline' && n.kind !== 'declare')
  const ret = statements.find((n) => n.kind === 'return')
  if (!ret || !ret.expr) {
    throw new ConfigError(
      `${file} does not return an array`,
      "AtoM's config.php must contain `return array (...);` as written by the installer.",
    )
  }

  return phpLiteral(ret.expr as PhpNode, file)
}

function where(node: PhpNode, file: string): string {
  const loc = node.loc as {start?: {line?: number}} | undefined
  return loc?.start?.line ? `${file}:${loc.start.line}` : file
}

/** A literal expression's value (arrays, strings, numbers, booleans, null); anything else is refused. */
export function phpLiteral(node: PhpNode, file: string): PhpValue {
  switch (node.kind) {
    case 'string': {
      return node.value as string
    }

    case 'number': {
      return Number(node.value)
    }

    case 'boolean': {
      return node.value as boolean
    }

    case 'nullkeyword': {
      return null
    }

    case 'unary': {
      if ((node.type === '-' || node.type === '+') && (node.what as PhpNode).kind === 'number') {
        const n = Number((node.what as PhpNode).value)
        return node.type === '-' ? -n : n
      }

      break
    }

    case 'cast': {
      break
    }

    case 'array': {
      return arrayLiteral(node, file)
    }

    case 'name': {
      // var_export writes NULL/true/false; older parsers may see them as constant names.
      const name = String(node.name).toLowerCase()
      if (name === 'null') return null
      if (name === 'true') return true
      if (name === 'false') return false
      break
    }
  }

  throw new ConfigError(
    `${where(node, file)}: unsupported PHP expression (${node.kind}); atom-ops reads config files, it never runs them`,
    'Write the value as a plain literal, as the AtoM installer does.',
  )
}

function arrayLiteral(node: PhpNode, file: string): PhpValue {
  const items = node.items as PhpNode[]
  const entries: Array<[string | number | null, PhpValue]> = []
  for (const item of items) {
    if (item.kind !== 'entry' || item.byRef || item.unpack) {
      throw new ConfigError(
        `${where(item, file)}: unsupported array entry`,
        'Write the array with literal keys and values.',
      )
    }

    const key = item.key ? phpLiteral(item.key as PhpNode, file) : null
    if (key !== null && typeof key !== 'string' && typeof key !== 'number') {
      throw new ConfigError(`${where(item, file)}: unsupported array key`, 'Array keys must be strings or integers.')
    }

    entries.push([key, phpLiteral(item.value as PhpNode, file)])
  }

  const isList = entries.every(([k], i) => k === null || k === i)
  if (isList) return entries.map(([, v]) => v)
  const out: {[key: string]: PhpValue} = {}
  let next = 0
  for (const [k, v] of entries) {
    if (k === null) {
      out[String(next++)] = v
    } else {
      out[String(k)] = v
      if (typeof k === 'number' && k >= next) next = k + 1
    }
  }

  return out
}

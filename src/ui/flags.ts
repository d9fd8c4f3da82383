import {Flags} from '@oclif/core'

import type {Column} from './table.js'

/**
 * --force of a command that asks before it changes something; -y/--yes is the same flag, as in apt
 * and most installers. `char` keeps the command's existing short flag.
 */
export function forceFlag(summary: string, options: {char?: 'f'; dependsOn?: string[]} = {}) {
  return Flags.boolean({summary: `${summary} Also -y, --yes.`, aliases: ['yes'], charAliases: ['y'], ...options})
}

/** --columns of a command whose main table has these columns: checked when the flags are parsed. */
export function columnsFlag(columns: readonly Column[]) {
  const keys = columns.map((c) => c.key)
  return Flags.string({
    multiple: true,
    delimiter: ',',
    options: keys,
    summary: `Show only these columns of the table, in this order (comma-separated): ${keys.join(', ')}.`,
  })
}

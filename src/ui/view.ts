// A namespace import: node before 20.12 has no styleText, and a named import of it would not even load there.
// eslint-disable-next-line unicorn/import-style
import * as util from 'node:util'

/**
 * How human output is drawn, as the base command's IO decided it for this run (terminal width,
 * colour, --quiet, --verbose, --columns). Renderers take it as a plain value: they never look at
 * process.stdout or the environment, so they render the same in a test as on a terminal.
 */
export interface View {
  /** Columns to fit tables into; undefined: no limit (a pipe, a file, --wide). */
  width?: number
  colour: boolean
  /** Errors and the essential result only: no explanations, notes or previews. */
  quiet: boolean
  /** Everything: no "first N" summaries. */
  verbose: boolean
  /** --columns: the command's main table shows these columns, in this order. */
  columns?: readonly string[]
}

/** No width limit, no colour: what a pipe gets. */
export const PLAIN_VIEW: View = {colour: false, quiet: false, verbose: false}

export type Style = Parameters<typeof util.styleText>[0]

/**
 * Text styled through node's util.styleText when colour is on. The decision is the view's (NO_COLOR,
 * --no-color, FORCE_COLOR, a terminal), so styleText is told not to second-guess it; a node older than
 * 20.12 has no styleText and gets plain text.
 */
export function paint(view: Pick<View, 'colour'>, style: Style, text: string): string {
  if (!view.colour || typeof util.styleText !== 'function' || text === '') return text
  return util.styleText(style, text, {validateStream: false})
}

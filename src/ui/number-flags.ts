import {Flags} from '@oclif/core'

/**
 * A number of seconds that may have a fraction (`--timeout 2.5`, `--interval 0.5`), checked by oclif
 * while it parses, as its integer flags are: a bad value is a usage error before any configuration is
 * read or anything asked. `parse` is the one rule for the value (shared with its environment variable).
 */
export function secondsFlag(parse: (text: string) => number) {
  return Flags.custom<number>({parse: async (input) => parse(input)})
}

import type {Hook} from '@oclif/core'

import {nearest} from '../lib/util/nearest.js'
import {inert} from '../lib/util/text.js'

/**
 * An unknown command: one line and a hint (the nearest command, or where to look), exit 127 (2 when
 * a real command was given an argument it does not take). Never a prompt that runs another command:
 * on a production server a typo must not turn into an unasked-for action.
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const {config} = opts
  const visible = config.commands.filter((c) => !c.hidden)
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)]
  const words = opts.id.split(':')
  const spoken = (id: string) => id.split(':').join(' ')
  const json = process.argv.includes('--json')
  const fail = (message: string, hint: string, exitCode: number): void => {
    const text = inert(message)
    if (json)
      process.stdout.write(
        JSON.stringify(
          {error: {kind: exitCode === 2 ? 'usage' : 'unknown-command', message: text, hint, exitCode}},
          null,
          2,
        ) + '\n',
      )
    else process.stderr.write(`${config.bin}: ${text}\n  hint: ${hint}\n`)
    this.exit(exitCode)
  }

  // `config show extra`: a real command followed by words it does not take.
  for (let n = words.length - 1; n > 0; n--) {
    const id = words.slice(0, n).join(':')
    if (config.findCommand(id)) {
      return fail(
        `"${spoken(id)}" does not take "${words.slice(n).join(' ')}"`,
        `See: ${config.bin} ${spoken(id)} --help`,
        2,
      )
    }
  }

  const suggestion = nearest(opts.id, ids)
  const topic = config.findTopic(words[0]) ? words[0] : undefined
  const list = `${config.bin} help${topic ? ` ${topic}` : ''} lists the commands`
  return fail(
    `"${spoken(opts.id)}" is not an ${config.bin} command`,
    suggestion ? `Did you mean: ${config.bin} ${spoken(suggestion)}? (${list})` : `${list}.`,
    127,
  )
}

export default hook

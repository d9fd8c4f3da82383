import type {Hook} from '@oclif/core'

import {stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {bashCompletionScript} from '../cli/bash-completion.js'

/**
 * After `atom-ops autocomplete` (or its cache refresh) has written oclif's bash function, replace it
 * with atom-ops' own: oclif's (plugin-autocomplete 3.2 and 4.0) completes no flag after a first flag
 * (`jobs clear --force --dr<TAB>`, oclif/plugin-autocomplete#319). zsh and PowerShell keep oclif's.
 */
const hook: Hook<'postrun'> = async function ({Command, config}) {
  if (Command?.id !== 'autocomplete' && Command?.id !== 'autocomplete:create') return
  const file = join(config.cacheDir, 'autocomplete', 'functions', 'bash', `${config.bin}.bash`)
  // Only where the plugin has just written its own.
  if (
    !(await stat(file).then(
      () => true,
      () => false,
    ))
  )
    return
  const commands = config.commands
    .filter((c) => !c.hidden)
    .flatMap((c) => {
      const flags = Object.entries(c.flags ?? {})
        .filter(([, f]) => !f.hidden)
        .map(([name]) => name)
      return [c.id, ...(c.aliases ?? [])].map((id) => ({id, flags}))
    })
  await writeFile(file, bashCompletionScript(config.bin, commands))
}

export default hook

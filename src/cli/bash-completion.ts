/** A command as completion knows it: its id (`jobs:clear`) and its long flags. */
export interface CompletableCommand {
  id: string
  flags: string[]
}

/**
 * atom-ops' bash completion function. Commands are typed as words (`atom-ops jobs clear`): the words
 * before the first flag name the command; a word being typed completes to the next word of the
 * command ids under them (each once); a flag completes to the flags of that command, also after
 * other flags and their values. Nothing to offer falls back to file names (`-o default`), which is
 * what a flag's value such as --output or --root wants.
 */
export function bashCompletionScript(bin: string, commands: CompletableCommand[]): string {
  const fn = `_${bin.replaceAll(/[^A-Za-z0-9_-]/g, '_')}_autocomplete`
  const list = commands
    .map((c) => [c.id, ...c.flags.map((f) => `--${f}`)].join(' '))
    .sort()
    .join('\n')
  return `#!/usr/bin/env bash
# bash completion for ${bin}, written by ${bin} whenever \`${bin} autocomplete\` builds its cache.

${fn}()
{
  local cur="\${COMP_WORDS[COMP_CWORD]}" id="" word i opts="" IFS=$' \\t\\n'
  local commands="
${list}
"
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && break
    id="\${id:+$id:}$word"
  done
  if [[ "$cur" == -* ]]; then
    opts=$(awk -v id="$id" '$1 == id { $1 = ""; print }' <<< "$commands")
  elif (( i == COMP_CWORD )); then
    opts=$(awk -v id="$id" 'NF {
      n = split($1, w, ":"); d = (id == "") ? 0 : split(id, t, ":")
      if (n <= d) next
      for (k = 1; k <= d; k++) if (w[k] != t[k]) next
      print w[d + 1]
    }' <<< "$commands" | sort -u)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

complete -o default -F ${fn} ${bin}
`
}

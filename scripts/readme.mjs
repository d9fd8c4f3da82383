// Regenerates the README's generated parts (the exit-code tables, global and per command) from the built CLI's
// one source. Run after `npm run build`; the test suite fails when the README is out of date.
import {readFileSync, writeFileSync} from 'node:fs'

const {exitCodesMarkdown, globalExitCodesMarkdown} = await import('../dist/cli/exit-codes.js')
const file = new URL('../README.md', import.meta.url)
let text = readFileSync(file, 'utf8')
for (const [name, markdown] of [
  ['exit-codes-global', globalExitCodesMarkdown()],
  ['exit-codes', exitCodesMarkdown()],
]) {
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i === -1 || j < i) throw new Error(`README.md has no ${name} markers`)
  text = `${text.slice(0, i + begin.length)}\n${markdown}\n${text.slice(j)}`
}

writeFileSync(file, text)

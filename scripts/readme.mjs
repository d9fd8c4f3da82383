// Regenerates the README's generated parts (the per-command exit codes) from the built CLI's one source.
// Run after `npm run build`; the test suite fails when the README is out of date.
import {readFileSync, writeFileSync} from 'node:fs'

const {exitCodesMarkdown} = await import('../dist/cli/exit-codes.js')
const file = new URL('../README.md', import.meta.url)
const text = readFileSync(file, 'utf8')
const begin = '<!-- exit-codes:begin -->'
const end = '<!-- exit-codes:end -->'
const i = text.indexOf(begin)
const j = text.indexOf(end)
if (i < 0 || j < i) throw new Error('README.md has no exit-codes markers')
writeFileSync(file, `${text.slice(0, i + begin.length)}\n${exitCodesMarkdown()}\n${text.slice(j)}`)

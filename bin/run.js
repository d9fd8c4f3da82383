#!/usr/bin/env node
// `--version` is answered before oclif loads, with the line oclif prints (dist/cli/quick-version.js says
// when it can be; otherwise oclif answers). Everything else goes to oclif, after Node's compile cache is
// turned on where the running Node has one (22.1 and later).
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
let version
if (argv[0]?.startsWith('-')) {
  const {quickVersion} = await import('../dist/cli/quick-version.js')
  version = quickVersion(argv, fileURLToPath(new URL('..', import.meta.url)))
}

if (version === undefined) {
  const {enableCompileCache} = await import('../dist/cli/compile-cache.js')
  enableCompileCache()
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url})
} else {
  process.stdout.write(`${version}\n`)
}

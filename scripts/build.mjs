// Compiles into a fresh directory and swaps it in, so a CLI started during a build never sees a half-written dist/.
import {execFileSync} from 'node:child_process'
import {renameSync, rmSync} from 'node:fs'

const tmp = `dist.build-${process.pid}`
const old = `dist.old-${process.pid}`
try {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', tmp], {stdio: 'inherit'})
  try {
    renameSync('dist', old)
  } catch {
    // no previous build
  }

  renameSync(tmp, 'dist')
  rmSync(old, {recursive: true, force: true})
  execFileSync('npx', ['oclif', 'manifest'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'},
  })
  // Man pages from the manifest just written (npm installs them from dist/man; the packages ship them).
  execFileSync(process.execPath, ['scripts/manpages.mjs', 'dist/man'], {stdio: 'inherit'})
} finally {
  rmSync(tmp, {recursive: true, force: true})
}

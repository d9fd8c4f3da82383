/**
 * Cold start of the packaged CLI (the tarball: the shipped Node.js 22 through bin/atom-ops) against the
 * development build (the host's node running bin/run.js) and a bare `node -e 0` of each runtime, in the same run.
 * Run: npm run build && npx tsx bench/packaged-start.ts [runs]    (packs the tarball with --fast first)
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI, median, row, timeRun} from './lib.js'

const runs = Number(process.argv[2] ?? 15)
const work = mkdtempSync(join(tmpdir(), 'atom-ops-bench-package-'))
try {
  const packed = execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL('../scripts/package.mjs', import.meta.url)),
      '--fast',
      '--no-build',
      '--only',
      'tar',
      '--out',
      work,
    ],
    {encoding: 'utf8'},
  )
  execFileSync('tar', ['-xzf', packed.split('\t')[0], '-C', work])
  const packaged = join(work, 'atom-ops/bin/atom-ops')
  const shippedNode = join(work, 'atom-ops/node/bin/node')
  const node = median(runs, () => timeRun(process.execPath, ['-e', '0']))
  const node22 = median(runs, () => timeRun(shippedNode, ['-e', '0']))
  const dev = median(runs, () => timeRun(process.execPath, [CLI, '--version']))
  const pkg = median(runs, () => timeRun(packaged, ['--version']))
  console.log(
    `cold start, median of ${runs} runs; host node ${process.version}, shipped node ${execFileSync(shippedNode, ['--version'], {encoding: 'utf8'}).trim()}`,
  )
  console.log(row('shipped node -e 0 vs host node -e 0', node22, node, '(the runtimes)'))
  console.log(row('packaged --version vs dev build --version', pkg, dev, '(no target)'))
  console.log(row('packaged --version vs host node -e 0', pkg, node, '<= 4'))
  console.log(row('dev build --version vs host node -e 0', dev, node, '<= 4'))

  const bed = await TestBed.start()
  try {
    const env = {...process.env, ...bed.env()}
    await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'])
    const devQueue = median(runs, () => timeRun(process.execPath, [CLI, 'queue', 'status'], env))
    const pkgQueue = median(runs, () => timeRun(packaged, ['queue', 'status'], env))
    console.log(row('packaged queue status vs dev build', pkgQueue, devQueue, '(no target)'))
    console.log(row('packaged queue status vs host node -e 0', pkgQueue, node, '<= 4'))
  } finally {
    await bed.stop()
  }
} finally {
  rmSync(work, {recursive: true, force: true})
}

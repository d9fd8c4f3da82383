import {chmod, cp, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const FIXTURES = fileURLToPath(new URL('fixtures/systemd/', import.meta.url))

/**
 * The recording stand-in for systemctl and journalctl: an executable on a PATH the test prepends.
 * It appends its exact argv to calls.log, keeps the unit's state in a file (start-limit-hit until
 * reset-failed, active after a start, ...) and answers with the fixtures' systemd output.
 */
const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('fs')
const path = require('path')
const dir = __dirname
const name = path.basename(process.argv[1])
const args = process.argv.slice(2)
fs.appendFileSync(path.join(dir, 'calls.log'), JSON.stringify([name, ...args]) + '\n')
const stateFile = path.join(dir, 'state')
const state = fs.readFileSync(stateFile, 'utf8').trim()
const fixture = (f) => fs.readFileSync(path.join(dir, 'fixtures', f), 'utf8')
if (name === 'journalctl') {
  process.stdout.write(fixture('journal.txt'))
  process.exit(0)
}
const cmd = args[0]
const units = args.slice(1).filter((a) => !a.startsWith('-') && a.includes('.'))
if (cmd === 'show') {
  const file = {broken: 'failed', 'start-limit-hit': 'start-limit-hit', failed: 'failed', active: 'active', inactive: 'inactive'}[state]
  const text = fixture(file + '.show')
  process.stdout.write(units.map((u) => text.replace(/^Id=.*$/m, 'Id=' + u)).join('\n'))
  process.exit(0)
}
if (cmd === 'cat') {
  process.stdout.write(fixture('atom-worker.unit'))
  process.exit(0)
}
if (cmd === 'list-units') {
  process.stdout.write(fixture('list-units.txt'))
  process.exit(0)
}
if (cmd === 'reset-failed') {
  if (state === 'start-limit-hit' || state === 'failed') fs.writeFileSync(stateFile, 'inactive')
  process.exit(0)
}
if (cmd === 'start' || cmd === 'restart') {
  if (state === 'start-limit-hit' || state === 'broken') {
    const u = units[0]
    process.stderr.write('Job for ' + u + ' failed.\nSee "systemctl status ' + u + '" and "journalctl -xeu ' + u + '" for details.\n')
    process.exit(1)
  }
  fs.writeFileSync(stateFile, 'active')
  process.exit(0)
}
if (cmd === 'stop') {
  fs.writeFileSync(stateFile, 'inactive')
  process.exit(0)
}
process.stderr.write('stand-in: unexpected ' + JSON.stringify(args) + '\n')
process.exit(1)
`

export interface SystemdStandIn {
  dir: string
  /** PATH with the stand-in first. */
  path: string
  setState(state: 'active' | 'failed' | 'start-limit-hit' | 'inactive' | 'broken'): Promise<void>
  /** Every call since the last reset, as argv arrays (program name first). */
  calls(): Promise<string[][]>
  resetCalls(): Promise<void>
}

export async function systemdStandIn(state: string): Promise<SystemdStandIn> {
  const dir = await mkdtemp(join(tmpdir(), 'atom-ops-systemd-standin-'))
  await cp(FIXTURES, join(dir, 'fixtures'), {recursive: true})
  for (const name of ['systemctl', 'journalctl']) {
    await writeFile(join(dir, name), SCRIPT)
    await chmod(join(dir, name), 0o755)
  }

  await writeFile(join(dir, 'state'), state)
  await writeFile(join(dir, 'calls.log'), '')
  return {
    dir,
    path: `${dir}:${process.env.PATH}`,
    setState: (s) => writeFile(join(dir, 'state'), s),
    calls: async () =>
      (await readFile(join(dir, 'calls.log'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    resetCalls: () => writeFile(join(dir, 'calls.log'), ''),
  }
}

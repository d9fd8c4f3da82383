/** What `config show` reports, in-process: every setting with its source, passwords masked, unresolved parts marked. */
import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {configReport} from '../../../src/lib/config/report.js'
import {type GlobalOptions, resolveConfig} from '../../../src/lib/config/resolve.js'
import {loadSettingsFile} from '../../../src/lib/settings/profiles.js'
import {MASK} from '../../../src/lib/util/secrets.js'
import {FIXTURE_DATABASE, tempDirectory, writeConfigOnlyInstall} from '../../helpers/temp-install.js'

let root: string
let noProfiles: string
const temp = tempDirectory('report', async (dir) => {
  root = join(dir, 'atom')
  await writeConfigOnlyInstall(root, {workersKey: 'k'})
  noProfiles = join(dir, 'none.yml')
})

async function report(options: GlobalOptions, env: NodeJS.ProcessEnv = {}, settingsFile = noProfiles) {
  return configReport(await resolveConfig(options, env, await loadSettingsFile(settingsFile)))
}

/** setting -> [value, source] */
const lines = (r: Awaited<ReturnType<typeof report>>) =>
  Object.fromEntries(r.settings.map((s) => [s.setting, [s.value, s.source]]))

describe('config show: each setting and where it came from', () => {
  test("an install's own files: every source names the file (and section), the password is masked everywhere", async () => {
    const r = await report({atomRoot: root})
    const l = lines(r)
    assert.deepEqual(l['atom root'], [root, 'flag --atom-root'])
    assert.match(l['gearman servers'][1], /^file .*\/config\/gearman\.yml \(all\)$/)
    assert.equal(l['availability check'][0], '127.0.0.1:4730')
    assert.match(l.workers_key[1], /^file .*\/config\/app\.yml \(all\)$/)
    assert.match(l['function prefix'][1], /^derived: md5\(".*" \. workers_key\) \. "-"$/)
    assert.match(l.database[1], /^file .*\/config\/config\.php$/)
    assert.equal(l.database[0], 'atom@127.0.0.1:3306/atom')
    assert.deepEqual(l.password, [MASK, l.database[1]])
    assert.deepEqual(l.timeout, ['5s', 'default (5s)'])
    assert.deepEqual(l.profile, ['(none)', `no config file (${noProfiles} does not exist)`])
    assert.equal(r.database?.password, MASK)
    assert.deepEqual(r.problems, [])
    assert.ok(!JSON.stringify(r).includes(FIXTURE_DATABASE.password), 'the password is nowhere in the report')
  })

  test('flags, environment and a profile are named as such', async () => {
    const profiles = join(temp.path, 'profiles.yml')
    await writeFile(profiles, `default: site\nprofiles:\n  site:\n    atom_root: ${root}\n    timeout: 9\n`)
    const r = await report(
      {gearman: ['10.0.0.5:4730', '10.0.0.6']},
      {
        ATOM_OPS_WORKERS_KEY: 'env-key',
        ATOM_OPS_DB: 'mysql://ops@db.example:3307/atom',
        ATOM_OPS_DB_PASSWORD: 'env-secret',
      },
      profiles,
    )
    const l = lines(r)
    assert.equal(l['atom root'][1], `profile site (${profiles})`)
    assert.deepEqual(l['gearman servers'], ['10.0.0.5:4730, 10.0.0.6:4730', 'flag --gearman'])
    assert.equal(l['availability check'][0], '10.0.0.6:4730', 'the web app asks the last server')
    assert.deepEqual(l.workers_key, ['env-key', 'env ATOM_OPS_WORKERS_KEY'])
    assert.deepEqual(l.database, ['ops@db.example:3307/atom', 'env ATOM_OPS_DB'])
    assert.deepEqual(l.password, [MASK, 'env ATOM_OPS_DB_PASSWORD'])
    assert.deepEqual(l.timeout, ['9s', `profile site (${profiles})`])
    assert.deepEqual(l.profile, ['site', `file ${profiles}`])
    assert.equal(r.database?.passwordSource, 'env ATOM_OPS_DB_PASSWORD')
    assert.ok(!JSON.stringify(r).includes('env-secret'))
  })

  test('an empty password is said to be empty, not masked', async () => {
    const r = await report({db: 'mysql://ops@db.example/atom'})
    assert.deepEqual(lines(r).password, ['(empty)', 'flag --db'])
    assert.equal(r.database?.password, '')
  })
})

describe('config show: what could not be resolved is marked, the rest still shown', () => {
  test('no install at the root: one problem, for the root, and the settings it would have given shown as unknown', async () => {
    const missing = join(temp.path, 'missing')
    const r = await report({atomRoot: missing, gearman: ['10.0.0.5']})
    assert.deepEqual(
      r.problems.map((p) => p.setting),
      ['atom root'],
    )
    assert.match(r.problems[0].hint!, /--atom-root/)
    assert.equal(r.settings[0].problem, `not found: ${missing} (set --atom-root or run atom-ops config init)`)
    const l = lines(r)
    assert.equal(l.database[0], '(unknown without the install)')
    assert.equal(l['function prefix'][0], '(unknown without the install)')
    assert.deepEqual(
      l['gearman servers'],
      ['10.0.0.5:4730', 'flag --gearman'],
      'what was given directly is still shown',
    )
  })

  test('an empty directory as the root: config.php is the problem, and the hint asks whether the root is right', async () => {
    const empty = join(temp.path, 'empty')
    await mkdir(empty)
    const r = await report({atomRoot: empty})
    assert.deepEqual(
      r.problems.map((p) => p.setting),
      ['database'],
    )
    assert.match(r.problems[0].message, /config\.php not found/)
    assert.match(r.problems[0].hint!, /Is --atom-root the AtoM install directory\?/)
    assert.equal(lines(r).database[0], '(not resolved)')
  })

  test("an install whose gearman.yml does not parse: the install's files are the problem, named", async () => {
    const broken = join(temp.path, 'broken')
    await writeConfigOnlyInstall(broken)
    await writeFile(join(broken, 'config', 'gearman.yml'), 'all:\n  servers: [unclosed\n')
    const r = await report({atomRoot: broken})
    const problem = r.problems.find((p) => p.setting === 'install files')
    assert.match(problem?.message ?? '', /gearman\.yml/)
    assert.equal(lines(r)['install files'][0], '(not resolved)')
  })
})

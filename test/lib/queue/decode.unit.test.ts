import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {realpath, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import type {ResolvedConfig} from '../../../src/lib/config/resolve.js'

import {FunctionDecoder, loadDecoder} from '../../../src/lib/queue/decode.js'
import {tempDirectory, writeConfigOnlyInstall} from '../../helpers/temp-install.js'

const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const HERE = md5('/usr/share/nginx/atom') + '-'
const STAGING = md5('/srv/atom-staging') + '-'
const STRANGER = md5('/somewhere/else') + '-'

describe('FunctionDecoder: whose function is it, and which job class', () => {
  const decoder = new FunctionDecoder(HERE, new Map([[STAGING, 'staging']]))

  test('this install: its prefix', () => {
    assert.deepEqual(decoder.decode(HERE + 'arFindingAidJob'), {
      function: HERE + 'arFindingAidJob',
      owner: 'current',
      install: 'this install',
      prefix: HERE,
      jobClass: 'arFindingAidJob',
    })
    assert.ok(decoder.isCurrent(HERE + 'arFindingAidJob'))
  })

  test('another configured install: named by its profile', () => {
    const d = decoder.decode(STAGING + 'arObjectMoveJob')
    assert.deepEqual(d, {
      function: STAGING + 'arObjectMoveJob',
      owner: 'profile',
      install: 'profile staging',
      profile: 'staging',
      prefix: STAGING,
      jobClass: 'arObjectMoveJob',
    })
    assert.ok(!decoder.isCurrent(STAGING + 'arObjectMoveJob'))
  })

  test('an AtoM prefix no profile has: unknown, the prefix kept so the operator can look for it', () => {
    const d = decoder.decode(STRANGER + 'arFindingAidJob')
    assert.equal(d.owner, 'unknown')
    assert.equal(d.install, 'unknown prefix')
    assert.equal(d.prefix, STRANGER)
    assert.equal(d.jobClass, 'arFindingAidJob')
  })

  test('no AtoM prefix (another application on the same gearmand): the whole name is the class', () => {
    for (const name of [
      'reverse',
      'arFindingAidJob',
      `${HERE.slice(1)}arFindingAidJob`,
      HERE.toUpperCase() + 'arFindingAidJob',
      HERE,
    ]) {
      const d = decoder.decode(name)
      assert.deepEqual(d, {function: name, owner: 'none', install: 'no prefix', jobClass: name}, name)
    }
  })

  test('class names with spaces, dashes, dots and other characters are kept whole after the prefix', () => {
    for (const jobClass of ['t2 spaced name', 'my-job', 'a.b:c', 'Déjà vu', ' leading space', `${STAGING}nested`]) {
      const d = decoder.decode(HERE + jobClass)
      assert.equal(d.owner, 'current', jobClass)
      assert.equal(d.jobClass, jobClass)
      assert.equal(d.function, HERE + jobClass)
    }
  })

  test('without a current install (no --atom-root, no prefix): nothing is "this install"', () => {
    const none = new FunctionDecoder(undefined)
    assert.equal(none.decode(HERE + 'arFindingAidJob').owner, 'unknown')
    assert.ok(!none.isCurrent(HERE + 'arFindingAidJob'))
  })
})

describe("loadDecoder: the profiles' prefixes from atom-ops' config file", () => {
  const temp = tempDirectory('decode')
  const install = (root: string, workersKey: string) => writeConfigOnlyInstall(root, {workersKey})
  const config = (settingsFile: string, prefix: string | undefined) =>
    ({
      settingsFile,
      prefix: prefix === undefined ? undefined : {value: prefix, source: {kind: 'derived', detail: ''}},
    }) as ResolvedConfig

  test('md5(realpath(atom_root) . workers_key) per profile (the profile\'s workers_key wins); unreadable installs are named; this install stays "this install" though a profile names it', async () => {
    const dir = temp.path
    await install(join(dir, 'main'), '')
    await install(join(dir, 'staging-real'), 'k1')
    await symlink(join(dir, 'staging-real'), join(dir, 'staging'))
    const settings = join(dir, 'config.yml')
    await writeFile(
      settings,
      `profiles:\n  main:\n    atom_root: ${join(dir, 'main')}\n  staging:\n    atom_root: ${join(dir, 'staging')}\n  keyed:\n    atom_root: ${join(dir, 'staging')}\n    workers_key: k2\n  gone:\n    atom_root: ${join(dir, 'nowhere')}\n  remote-only:\n    gearman: [10.0.0.1:4730]\n`,
    )
    const mainPrefix = md5(await realpath(join(dir, 'main'))) + '-'
    const stagingPrefix = md5((await realpath(join(dir, 'staging'))) + 'k1') + '-'
    const keyedPrefix = md5((await realpath(join(dir, 'staging'))) + 'k2') + '-'

    const {decoder, skipped} = await loadDecoder(config(settings, mainPrefix))
    assert.deepEqual(skipped, ['gone'])
    assert.equal(decoder.decode(mainPrefix + 'arFindingAidJob').owner, 'current')
    assert.equal(decoder.decode(stagingPrefix + 'arFindingAidJob').install, 'profile staging')
    assert.equal(decoder.decode(keyedPrefix + 'arFindingAidJob').install, 'profile keyed')
    assert.equal(decoder.decode(STRANGER + 'arFindingAidJob').owner, 'unknown')

    // Run for another install, main is just one more profile.
    const fromElsewhere = (await loadDecoder(config(settings, STRANGER))).decoder
    assert.equal(fromElsewhere.decode(mainPrefix + 'arFindingAidJob').install, 'profile main')
  })

  test('no config file, or one that does not parse: no profiles, nothing skipped', async () => {
    const dir = temp.path
    const missing = await loadDecoder(config(join(dir, 'none.yml'), HERE))
    assert.deepEqual(missing.skipped, [])
    assert.equal(missing.decoder.decode(STAGING + 'x').owner, 'unknown')
    const broken = join(dir, 'broken.yml')
    await writeFile(broken, 'profiles: [unclosed\n')
    assert.deepEqual((await loadDecoder(config(broken, HERE))).skipped, [])
  })
})

/** What `config init` shows: the installs found, the profiles and the file it would write, what happened. Prose, no table. */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {ConfigInitResult} from '../../src/lib/settings/init.js'

import {renderConfigInit} from '../../src/ui/config-init.js'

const FILE = '/root/.config/atom-ops/config.yml'

const result: ConfigInitResult = {
  settingsFile: FILE,
  discovery: {
    places: {
      searchPaths: ['/usr/share/nginx'],
      procRoot: '/proc',
      systemdUnitPaths: ['/etc/systemd/system'],
      supervisorConfigs: [],
    },
    scanned: {directories: 12, processes: 140, procReadable: true, unitFiles: 3, supervisorFiles: 1},
    installs: [
      {
        root: '/usr/share/nginx/atom',
        realRoot: '/srv/releases/atom-2.8.2',
        installed: true,
        foundBy: [
          {how: 'search path', detail: '/usr/share/nginx'},
          {how: 'systemd unit', detail: '/etc/systemd/system/atom-worker.service'},
        ],
        workers: [
          {
            manager: 'systemd',
            unit: 'atom-worker.service',
            supervisorConfig: null,
            userUnit: false,
            pid: 20_431,
            user: 'www-data',
            file: '/etc/systemd/system/atom-worker.service',
          },
        ],
        service: {manager: 'systemd', unit: 'atom-worker.service', supervisorConfig: null},
        gearmanServers: ['127.0.0.1:4730'],
        prefix: '3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6-',
        database: {user: 'atom', host: 'localhost', port: 3306, socket: null, database: 'atom', password: '********'},
        problems: [],
        profile: 'atom',
      },
      {
        root: '/var/www/atom-new\u001B[2J',
        realRoot: '/var/www/atom-new\u001B[2J',
        installed: false,
        foundBy: [{how: 'search path', detail: '/var/www'}],
        workers: [],
        service: null,
        gearmanServers: null,
        prefix: null,
        database: null,
        problems: ['config/config.php missing: the installer has not run'],
        profile: null,
      },
    ],
    ignored: [{path: '/opt/atom-docs', reason: 'no apps/qubit'}],
    unreadable: ['/etc/supervisor/conf.d/private.conf'],
  },
  profiles: {
    path: FILE,
    exists: true,
    changes: [
      {
        name: 'atom',
        action: 'add',
        entry: {name: 'atom', atomRoot: '/usr/share/nginx/atom', manager: 'systemd', unit: 'atom-worker.service'},
      },
    ],
    text: 'default: atom\nprofiles:\n  atom:\n    atom_root: /usr/share/nginx/atom\n',
    defaultProfile: 'atom',
    changed: true,
  },
  dryRun: false,
  written: false,
  backup: null,
}

describe('config init', () => {
  test('the plan: where it looked, each install with how it was found, its worker, servers and database (password masked), then the file it would write', () => {
    const lines = renderConfigInit(result, 'plan').split('\n')
    assert.equal(
      lines[0],
      'Found 2 AtoM installs (looked in 12 directories, 140 processes, 3 unit files, 1 supervisord file).',
    )
    const text = lines.join('\n')
    assert.match(
      text,
      /\natom {2}\/usr\/share\/nginx\/atom \(\/srv\/releases\/atom-2\.8\.2\)\n {2}found by +search path \/usr\/share\/nginx; systemd unit \/etc\/systemd\/system\/atom-worker\.service\n/,
    )
    assert.match(
      text,
      /\n {2}worker +systemd atom-worker\.service, running: pid 20431 as www-data, defined in \/etc\/systemd\/system\/atom-worker\.service\n/,
    )
    assert.match(text, /\n {2}database +atom@localhost:3306\/atom, password \*{8}\n/)
    assert.match(
      text,
      /\n\(no profile\) {2}\/var\/www\/atom-new\\u001b\[2J\n {2}found by +search path \/var\/www\n {2}worker +none found/,
    )
    assert.match(text, /\n {2}note +config\/config\.php missing: the installer has not run\n/)
    assert.match(
      text,
      /\nNot used:\n {2}\/opt\/atom-docs: no apps\/qubit\n\nNot readable:\n {2}\/etc\/supervisor\/conf\.d\/private\.conf\n/,
    )
    assert.match(
      text,
      /\nProfiles in \/root\/\.config\/atom-ops\/config\.yml:\n {2}atom: add\n\nThe file would read:\n {2}\| default: atom\n {2}\| profiles:\n {2}\| {3}atom:\n {2}\| {5}atom_root: \/usr\/share\/nginx\/atom$/,
    )
    assert.ok(!text.includes('\u001B'), 'a directory name cannot drive the terminal')
  })

  test('dry run, up to date, written: what happened and what to run next', () => {
    assert.match(renderConfigInit({...result, dryRun: true}, 'dry-run'), /\n\nDry run: nothing was written\.$/)
    const upToDate = {
      ...result,
      profiles: {
        ...result.profiles!,
        changed: false,
        changes: [{...result.profiles!.changes[0], action: 'unchanged' as const}],
      },
    }
    assert.match(
      renderConfigInit(upToDate, 'up-to-date'),
      /\n {2}atom: already there, unchanged\n\nNothing to write: the file is up to date\.$/,
    )
    assert.doesNotMatch(renderConfigInit(upToDate, 'up-to-date'), /would read/)
    const written = renderConfigInit({...result, written: true, backup: `${FILE}.20261201-091535.bak`}, 'written')
    assert.match(
      written,
      /\n\nWrote \/root\/\.config\/atom-ops\/config\.yml \(the old file is at \/root\/\.config\/atom-ops\/config\.yml\.20261201-091535\.bak\)\.\nCheck it with: atom-ops config show$/,
    )
    assert.doesNotMatch(written, /would read/)
  })

  test('a profile of another name than the default: the check names it', () => {
    const second = {
      ...result,
      profiles: {
        ...result.profiles!,
        defaultProfile: 'main',
        changes: [{...result.profiles!.changes[0], action: 'replace' as const}],
      },
    }
    const text = renderConfigInit(second, 'written')
    assert.match(text, /\n {2}atom: replace \(the old one goes to the backup\)\n/)
    assert.match(text, /\nCheck it with: atom-ops config show --profile atom$/)
  })

  test('nothing found: the count and where it looked, no profiles', () => {
    const none = {
      ...result,
      discovery: {
        ...result.discovery,
        installs: [],
        ignored: [],
        unreadable: [],
        scanned: {...result.discovery.scanned, procReadable: false},
      },
      profiles: null,
    }
    assert.equal(
      renderConfigInit(none, 'plan'),
      'Found 0 AtoM installs (looked in 12 directories, no processes (/proc not readable), 3 unit files, 1 supervisord file).',
    )
  })
})

import assert from 'node:assert/strict'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, afterEach, before, describe, test} from 'node:test'

import type {RunningWorker} from '../../support/testbed/workers.js'

import {functionPrefix} from '../../../src/lib/atom/prefix.js'
import {runCli} from '../../helpers/cli.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {TestBed} from '../../support/testbed/testbed.js'

/** doctor as monitoring runs it: JSON and the exit code. */
async function doctor(bed: TestBed, env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['doctor', '--json'], {env: bed.env(env)})
  assert.ok(r.json, `doctor printed JSON: ${r.stdout} ${r.stderr}`)
  return {report: r.json, code: r.code}
}

const byId = (report: any, id: string) => report.checks.find((c: any) => c.id === id)

describe('a stock install: the SWORD plugin is on disk but disabled, so the real worker registers 17 of 18 classes', () => {
  let bed: TestBed
  const workers: RunningWorker[] = []
  before(async () => {
    bed = await TestBed.start()
  })
  after(async () => {
    await bed?.stop()
  })
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop()
  })

  test('a healthy worker registering what the real one registers: OK, and qtSwordPluginWorker is information, not CRITICAL', async () => {
    workers.push(await bed.startAtomWorker())
    const {report, code} = await doctor(bed)
    assert.equal(code, 0, JSON.stringify(report.mostLikelyCause))
    assert.equal(report.status, 'ok')
    assert.equal(
      byId(report, 'gearman.job-classes').summary,
      `all ${STOCK_REGISTERED_CLASSES.length} job classes the worker registers have available workers`,
    )
    const info = byId(report, 'gearman.classes-not-registered')
    assert.equal(info.status, 'info')
    assert.deepEqual(info.evidence, ['qtSwordPluginWorker: plugin qtSwordPlugin is not enabled, no worker expected'])
  })

  test('without database credentials the plugin state is unknown: still no false CRITICAL', async () => {
    workers.push(await bed.startAtomWorker())
    const {report, code} = await doctor(bed, {ATOM_OPS_DB: 'mysql://nobody:wrong@127.0.0.1:3306/none'})
    assert.notEqual(byId(report, 'gearman.job-classes').status, 'critical')
    assert.match(
      byId(report, 'gearman.classes-not-registered').evidence[0],
      /qtSwordPluginWorker: plugin qtSwordPlugin may be enabled/,
    )
    assert.equal(code, 2, 'the database check itself is what fails')
    assert.equal(report.mostLikelyCause.id, 'database')
  })
})

describe("AtoM's Docker layout: apps/qubit/config/gearman.yml holds only servers", () => {
  let bed: TestBed
  const workers: RunningWorker[] = []
  before(async () => {
    bed = await TestBed.start({layout: 'docker', gearmandCount: 2})
  })
  after(async () => {
    await bed?.stop()
  })
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop()
  })

  test('no worker: CRITICAL, not a vacuous OK over 0 job classes', async () => {
    const {report, code} = await doctor(bed)
    assert.equal(code, 2)
    assert.match(report.mostLikelyCause.summary, /no worker at all for this install on 127\.0\.0\.1:\d+/)
    const r = await runCli(['config', 'show', '--json'], {env: bed.env()})
    assert.equal(r.json.worker.jobClasses, 18)
    assert.deepEqual(
      r.json.gearmanServers.map((s: any) => s.port),
      bed.servers.map((s) => s.port),
    )
    assert.match(
      r.json.settings.find((s: any) => s.setting === 'gearman servers').source,
      /apps\/qubit\/config\/gearman\.yml \(all\)$/,
    )
  })

  test('the AtoM-like worker on the server the web app asks (the last): OK', async () => {
    workers.push(await bed.startAtomWorker())
    const {report, code} = await doctor(bed)
    assert.equal(code, 0, JSON.stringify(report.mostLikelyCause))
  })
})

describe('the web app and the worker read different sections', () => {
  let bed: TestBed
  before(async () => {
    bed = await TestBed.start({gearmandCount: 2})
  })
  after(async () => {
    await bed?.stop()
  })

  test('a worker: section that keeps the worker off the server the web app asks is named, with both files', async () => {
    const [first, last] = bed.servers
    const gearman = join(bed.realRoot, 'config', 'gearman.yml')
    const original = await readFile(gearman, 'utf8')
    // all: lists only the first server; prod: adds the last, which the web app then asks. The worker never sees it.
    const split =
      original.replace(/\n {4}server2: .*\n/, '\n') + `\nprod:\n  servers:\n    server2: 127.0.0.1:${last.port}\n`
    assert.notEqual(split, original)
    await writeFile(gearman, split)
    const worker = await bed.startAtomWorker({server: first})
    try {
      const {report, code} = await doctor(bed)
      assert.equal(code, 2)
      const check = byId(report, 'config.web-worker')
      assert.equal(check.status, 'critical')
      assert.match(
        check.summary,
        new RegExp(
          `the web app asks 127\\.0\\.0\\.1:${last.port} for workers, but the worker registers only on 127\\.0\\.0\\.1:${first.port}`,
        ),
      )
      assert.ok(
        check.evidence.some((e: string) => /web app's servers: .*config\/gearman\.yml \(prod\)/.test(e)),
        check.evidence.join('\n'),
      )
      assert.ok(
        check.evidence.some((e: string) => /worker's servers: .*config\/gearman\.yml \(all\)/.test(e)),
        check.evidence.join('\n'),
      )
      const shown = await runCli(['config', 'show', '--json'], {env: bed.env()})
      assert.deepEqual(shown.json.worker.gearmanServers, [`127.0.0.1:${first.port}`])
    } finally {
      await worker.stop()
      await writeFile(gearman, original)
    }
  })
})

describe('workers_key set in apps/qubit/config/app.yml', () => {
  let bed: TestBed
  before(async () => {
    bed = await TestBed.start()
  })
  after(async () => {
    await bed?.stop()
  })

  test("the app-level key wins: atom-ops computes the install's own prefix and finds its workers", async () => {
    await mkdir(join(bed.realRoot, 'apps', 'qubit', 'config'), {recursive: true})
    await writeFile(join(bed.realRoot, 'apps', 'qubit', 'config', 'app.yml'), 'all:\n  workers_key: site-a\n')
    await bed.compileCache()
    const prefix = functionPrefix(bed.realRoot, 'site-a')
    const worker = await bed.startWorker(STOCK_REGISTERED_CLASSES, {prefix})
    try {
      const shown = await runCli(['config', 'show', '--json'], {env: bed.env()})
      assert.equal(shown.json.prefix, prefix)
      assert.equal(shown.json.workersKey, 'site-a')
      assert.match(
        shown.json.settings.find((s: any) => s.setting === 'workers_key').source,
        /apps\/qubit\/config\/app\.yml \(all\)$/,
      )
      const {report, code} = await doctor(bed)
      assert.equal(code, 0, JSON.stringify(report.mostLikelyCause))
      assert.equal(report.install.prefix, prefix)
      const status = await runCli(['queue', 'status', '--all', '--json'], {env: bed.env()})
      const mine = status.json.servers[0].functions.filter((f: any) => f.install === 'this install')
      assert.equal(mine.length, STOCK_REGISTERED_CLASSES.length, "the worker's functions are this install's")
    } finally {
      await worker.stop()
    }
  })
})

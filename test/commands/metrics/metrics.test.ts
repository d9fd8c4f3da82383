import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'
// @ts-expect-error: the parser ships no types
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

import {runCli} from '../../helpers/cli.js'
import {endlessLine, fakeServer} from '../../helpers/fake-server.js'
import {freePort, waitFor} from '../../support/testbed/processes.js'
import {insertJob} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {submitBackgroundJob} from '../../support/testbed/workers.js'

type Family = {
  name: string
  type: string
  help: string
  metrics: Array<{labels?: Record<string, string>; value: string}>
}
const parse = (text: string): Family[] => parsePrometheusTextFormat(text)

let bed: TestBed
before(async () => {
  bed = await TestBed.start({gearmandCount: 2})
  await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'])
  await submitBackgroundJob(bed.servers[1], bed.fn('arFileImportJob'), '{"id":1}')
  await submitBackgroundJob(bed.servers[1], bed.fn('arFileImportJob'), '{"id":2}')
  await submitBackgroundJob(bed.servers[1], 'ffffffffffffffffffffffffffffffff-arFindingAidJob', '{"id":3}')
  const hourAgo = new Date(Date.now() - 3_600_000)
  await insertJob(bed.database, {name: 'arObjectMoveJob', status: 'running', createdAt: hourAgo})
  await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
  await insertJob(bed.database, {name: 'arFindingAidJob', status: 'error', errorNote: 'x'})
  await insertJob(bed.database, {name: 'arFindingAidJob', status: 'error', errorNote: 'y'})
})
after(async () => {
  await bed?.stop()
})

function value(families: Family[], name: string, labels: Record<string, string>): number | undefined {
  const f = families.find((x) => x.name === name)
  const m = f?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
  return m ? Number(m.value) : undefined
}

describe('metrics', () => {
  test('stdout is valid Prometheus text: per function, jobs by status, oldest in-progress age, up', async () => {
    const r = await runCli(['metrics'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const families = parse(r.stdout)
    const s1 = `127.0.0.1:${bed.servers[1].port}`
    assert.equal(value(families, 'atom_ops_gearman_up', {server: s1}), 1)
    assert.equal(value(families, 'atom_ops_gearman_jobs_waiting', {server: s1, job_class: 'arFileImportJob'}), 2)
    assert.equal(value(families, 'atom_ops_gearman_workers', {server: s1, job_class: 'arFileImportJob'}), 0)
    assert.equal(value(families, 'atom_ops_gearman_workers', {server: s1, job_class: 'arFindingAidJob'}), 1)
    assert.equal(value(families, 'atom_ops_gearman_worker_connections', {server: s1}), 1)
    // another install's function is not this install's metric
    const waiting = families.find((f) => f.name === 'atom_ops_gearman_jobs_waiting')!.metrics
    assert.deepEqual(waiting.map((m) => `${m.labels!.job_class}=${m.value}`).sort(), [
      'arFileImportJob=2',
      'arFindingAidJob=0',
      'arObjectMoveJob=0',
    ])
    assert.equal(value(families, 'atom_ops_database_up', {}), 1)
    assert.equal(value(families, 'atom_ops_jobs', {status: 'in_progress'}), 1)
    assert.equal(value(families, 'atom_ops_jobs', {status: 'completed'}), 1)
    assert.equal(value(families, 'atom_ops_jobs', {status: 'error'}), 2)
    const age = value(families, 'atom_ops_jobs_oldest_in_progress_seconds', {})!
    assert.ok(age >= 3590 && age < 3700, `age ${age}`)
    // the hour-old move has an idle worker but nothing queued or running: a zombie
    assert.equal(value(families, 'atom_ops_jobs_zombies', {}), 1)
    assert.ok(!r.stdout.includes(bed.db.target.password))
  })

  test('a server down and the database down are up=0, not an error', async () => {
    const dead = await freePort()
    const r = await runCli(
      [
        'metrics',
        '--gearman',
        `127.0.0.1:${dead}`,
        '--db',
        `mysql://nobody:pw@127.0.0.1:${dead}/atom`,
        '--timeout',
        '2',
      ],
      {env: bed.env()},
    )
    assert.equal(r.code, 0, r.stderr)
    const families = parse(r.stdout)
    assert.equal(value(families, 'atom_ops_gearman_up', {server: `127.0.0.1:${dead}`}), 0)
    assert.equal(value(families, 'atom_ops_database_up', {}), 0)
  })

  test('a server sending an endless line is up=0: metrics --timeout 2 finishes by itself with every other figure', async () => {
    const endless = await fakeServer(endlessLine())
    try {
      const server = `127.0.0.1:${endless.port}`
      const r = await runCli(['metrics', '--gearman', server, '--timeout', '2'], {env: bed.env()})
      assert.equal(r.signal, null, 'finished by itself, not killed by the harness')
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      const families = parse(r.stdout)
      assert.equal(value(families, 'atom_ops_gearman_up', {server}), 0)
      assert.equal(
        families.find((f) => f.name === 'atom_ops_gearman_jobs_waiting'),
        undefined,
      )
      assert.equal(value(families, 'atom_ops_database_up', {}), 1)
      assert.equal(value(families, 'atom_ops_jobs', {status: 'error'}), 2)
    } finally {
      await endless.close()
    }
  })

  test('--json gives the same figures as data', async () => {
    const r = await runCli(['metrics', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const up = r.json.find((f: any) => f.name === 'atom_ops_database_up')
    assert.deepEqual(up.samples, [{labels: {install: 'default'}, value: 1}])
  })

  test('--listen serves /metrics over HTTP, fresh at each scrape, and stops on SIGTERM', async () => {
    const port = await freePort()
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../../../bin/run.js', import.meta.url)), 'metrics', '--listen', `127.0.0.1:${port}`],
      {
        env: {PATH: process.env.PATH, HOME: process.env.HOME, ...bed.env()},
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    try {
      const first = await waitFor('metrics server', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, {signal: AbortSignal.timeout(10_000)})
        return res.ok ? res.text() : undefined
      })
      assert.equal(value(parse(first), 'atom_ops_jobs', {status: 'completed'}), 1)
      await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
      const second = await (
        await fetch(`http://127.0.0.1:${port}/metrics`, {signal: AbortSignal.timeout(10_000)})
      ).text()
      assert.equal(value(parse(second), 'atom_ops_jobs', {status: 'completed'}), 2)
      assert.equal((await fetch(`http://127.0.0.1:${port}/nope`, {signal: AbortSignal.timeout(10_000)})).status, 404)
    } finally {
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await closed
      clearTimeout(killer)
      assert.equal(code, 0, 'stops cleanly on SIGTERM')
    }
  })

  test('--listen on a bad address is a usage error', async () => {
    const r = await runCli(['metrics', '--listen', 'nope:99999'], {env: bed.env()})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^atom-ops: --listen "nope:99999" is not a valid host:port/)
  })
  test('job rows per class and status, and duration summaries per class (median, 95th percentile, max, sum, count) from MariaDB', async () => {
    const started = Date.now() - 3_600_000
    for (const seconds of [10, 20, 30, 40]) {
      await insertJob(bed.database, {
        name: 'arXmlExportSingleFileJob',
        status: 'completed',
        createdAt: new Date(started),
        completedAt: new Date(started + seconds * 1000),
      })
    }

    // Started two days ago: counted in the rows, not in the last day's durations.
    await insertJob(bed.database, {
      name: 'arXmlExportSingleFileJob',
      status: 'completed',
      createdAt: new Date(Date.now() - 2 * 86_400_000),
    })
    const r = await runCli(['metrics'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^# TYPE atom_ops_jobs_by_class gauge$/m)
    assert.match(r.stdout, /^# TYPE atom_ops_job_duration_seconds summary$/m)
    const families = parse(r.stdout)
    assert.equal(value(families, 'atom_ops_jobs_by_class', {job_class: 'arFindingAidJob', status: 'error'}), 2)
    assert.equal(value(families, 'atom_ops_jobs_by_class', {job_class: 'arObjectMoveJob', status: 'in_progress'}), 1)
    assert.equal(
      value(families, 'atom_ops_jobs_by_class', {job_class: 'arXmlExportSingleFileJob', status: 'completed'}),
      5,
    )
    // The parser at hand drops a summary's labels: its lines are checked as text.
    const lines = r.stdout
      .split('\n')
      .filter(
        (l) => l.includes('job_class="arXmlExportSingleFileJob"') && l.startsWith('atom_ops_job_duration_seconds'),
      )
    assert.deepEqual(lines, [
      'atom_ops_job_duration_seconds{install="default",job_class="arXmlExportSingleFileJob",quantile="0.5"} 25',
      'atom_ops_job_duration_seconds{install="default",job_class="arXmlExportSingleFileJob",quantile="0.95"} 38.5',
      'atom_ops_job_duration_seconds{install="default",job_class="arXmlExportSingleFileJob",quantile="1"} 40',
      'atom_ops_job_duration_seconds_sum{install="default",job_class="arXmlExportSingleFileJob"} 100',
      'atom_ops_job_duration_seconds_count{install="default",job_class="arXmlExportSingleFileJob"} 4',
    ])
    const json = await runCli(['metrics', '--json'], {env: bed.env()})
    const durations = json.json.find((f: any) => f.name === 'atom_ops_job_duration_seconds')
    assert.deepEqual(
      durations.samples
        .filter((s: any) => s.labels.job_class === 'arXmlExportSingleFileJob')
        .map((s: any) => [s.labels.quantile ?? s.suffix, s.value]),
      [
        ['0.5', 25],
        ['0.95', 38.5],
        ['1', 40],
        ['_sum', 100],
        ['_count', 4],
      ],
    )
  })
})

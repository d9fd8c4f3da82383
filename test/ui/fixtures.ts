/**
 * Reports as the library returns them, for rendering tests: a mid-sized AtoM install with the long
 * job class names that used to collide (arInformationObjectCsvExportJob / ...XmlExportJob), written
 * for these tests.
 */
import type {ConfigReport} from '../../src/lib/config/report.js'
import type {ClearPlan} from '../../src/lib/jobs/clear.js'
import type {JobList} from '../../src/lib/jobs/query.js'
import type {InProgressJob, StalledReport} from '../../src/lib/jobs/stalled.js'
import type {QueueStatusReport, QueueWorkersReport} from '../../src/lib/queue/inspect.js'
import type {WatchSnapshot} from '../../src/lib/queue/watch.js'
import type {WorkerStatusReport} from '../../src/lib/service/worker.js'

export const PREFIX = '3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6-'
const SERVER = '10.20.30.40:4730'

const CLASSES = [
  'arInformationObjectCsvExportJob',
  'arInformationObjectXmlExportJob',
  'arActorCsvExportJob',
  'arFindingAidJob',
  'arObjectMoveJob',
  'arFileImportJob',
  'arPhysicalObjectCsvHoldingsReportJob',
  'arUpdateEsIoDocumentsJob',
]

export const configReport = {
  settings: [
    {setting: 'atom root', value: '/usr/share/nginx/atom', source: 'default (/usr/share/nginx/atom)'},
    {setting: 'real root', value: '/srv/releases/atom-2.8.2-20261101', source: 'derived: realpath of the atom root'},
    {
      setting: 'database',
      value: 'atom@db.archives.example.org:3306/atom_production',
      source: 'file /srv/releases/atom-2.8.2-20261101/config/config.php',
    },
    {setting: 'password', value: '********', source: 'file /srv/releases/atom-2.8.2-20261101/config/config.php'},
    {
      setting: 'gearman servers',
      value: `${SERVER}, 10.20.30.41:4730`,
      source: 'file /srv/releases/atom-2.8.2-20261101/apps/qubit/config/gearman.yml (all)',
    },
    {
      setting: 'function prefix',
      value: PREFIX,
      source: 'derived: md5("/srv/releases/atom-2.8.2-20261101" . workers_key) . "-"',
    },
    {
      setting: 'timezone',
      value: 'America/Vancouver',
      source: 'file /srv/releases/atom-2.8.2-20261101/apps/qubit/config/settings.yml (all: .settings.default_timezone)',
    },
    {setting: 'timeout', value: '5s', source: 'default (5s)'},
  ],
  problems: [],
} as unknown as ConfigReport

const USERS = ['admin', 'archivist', null, 'digitisation-lead']

export const jobList: JobList = {
  filter: {},
  sort: {field: 'id', descending: true},
  limit: 50,
  total: 1250,
  jobs: CLASSES.map((name, i) => {
    const running = i < 2
    return {
      id: 48_210 - i,
      name,
      status: running ? 'running' : i % 3 === 0 ? 'error' : 'completed',
      statusId: running ? 183 : 184,
      userId: null,
      user: USERS[i % USERS.length],
      startedAt: `2026-11-${String(10 + i).padStart(2, '0')}T0${i}:15:35-08:00`,
      completedAt: running ? null : `2026-11-${String(10 + i).padStart(2, '0')}T0${i}:17:02-08:00`,
      seconds: running ? 93_600 + i * 60 : 87,
      objectId: i % 2 ? 4412 : null,
      related: i % 2 ? 'hudson-bay-company-fonds-series-3-correspondence' : null,
    }
  }) as JobList['jobs'],
}

function inProgress(count: number): InProgressJob[] {
  const states = ['zombie', 'zombie', 'blocked', 'running', 'waiting', 'zombie'] as const
  return Array.from({length: count}, (_, i) => {
    const name = CLASSES[i % 3 === 0 ? 4 : i % 2]
    const state = states[i % states.length]
    return {
      id: 51_000 + i,
      name,
      user: USERS[i % USERS.length],
      startedAt: '2026-11-30T22:04:11-08:00',
      ageSeconds: 7200 + i * 61,
      function: PREFIX + name,
      state,
      gearman: state === 'blocked' ? 'zombie' : state,
      blockedBy: state === 'blocked' ? 51_000 : undefined,
      reason:
        state === 'zombie'
          ? `nothing queued or running for ${PREFIX}${name} matches this row`
          : state === 'blocked'
            ? 'waits behind older in-progress arObjectMoveJob #51000 (zombie); AtoM runs moves and file imports one at a time'
            : state === 'running'
              ? `a worker is busy on ${PREFIX}${name}`
              : `queued for ${PREFIX}${name}`,
    }
  })
}

export const stalledReport: StalledReport = {
  olderThanSeconds: 3600,
  servers: [{server: SERVER, ok: true}] as StalledReport['servers'],
  inProgress: 6,
  stalled: inProgress(6),
  counts: {zombie: 3, blocked: 1, running: 1, waiting: 1, unknown: 0},
  problems: true,
  note: 'Gearman counts jobs per function, not per row.',
}

/** A clear of 14,000 jobs, 40 of them in progress: the plan lists 10 and counts the rest. */
export const clearPlan: ClearPlan = {
  selection: 'all jobs',
  filter: {},
  maxId: 98_765,
  total: 14_000,
  groups: CLASSES.map((name, i) => ({name, status: i === 4 ? 'running' : 'completed', count: 1000 + i * 37})),
  inProgress: inProgress(40),
  withDownloads: 312,
}

function fn(jobClass: string, waiting: number, running: number, workers: number, install = 'this install') {
  return {
    function: PREFIX + jobClass,
    owner: 'current' as const,
    install,
    jobClass,
    waiting,
    running,
    total: waiting + running,
    availableWorkers: workers,
  }
}

export const queueStatus: QueueStatusReport = {
  scope: 'this install',
  prefix: PREFIX,
  servers: [
    {
      server: SERVER,
      ok: true,
      hidden: 0,
      workers: 2,
      functions: CLASSES.map((c, i) => fn(c, i === 1 ? 3 : 0, i === 1 ? 1 : 0, i === 1 ? 0 : 1)),
    },
  ],
  totals: {waiting: 3, running: 1, functions: CLASSES.length},
  unreachable: 0,
  skippedProfiles: [],
  exitCode: 0,
}

export const queueWorkers: QueueWorkersReport = {
  scope: 'this install',
  servers: [
    {
      server: SERVER,
      ok: true,
      hidden: 0,
      workers: [
        {fd: 37, address: '10.20.30.50', clientId: 'atom-worker-1', functions: CLASSES.map((c) => fn(c, 0, 0, 1))},
        {fd: 41, address: '10.20.30.51', functions: [fn(CLASSES[1], 0, 0, 1)]},
      ],
    },
  ],
  connections: 2,
  unreachable: 0,
  exitCode: 0,
}

export const workerStatus: WorkerStatusReport = {
  unitPattern: 'atom-worker@*',
  hosts: [
    {
      host: 'deploy@worker-1.archives.example.org',
      ok: true,
      manager: 'systemd',
      value: {
        units: ['atom-worker@1.service', 'atom-worker@2.service'],
        status: [
          {
            unit: 'atom-worker@1.service',
            condition: 'running',
            rawState: 'active/running',
            since: 'Tue 2026-12-01 09:15:35 PST',
            mainPid: 20_431,
            restarts: 2,
            memoryBytes: 187_000_000,
            lastExitStatus: 111,
            startLimitHit: false,
          },
          {
            unit: 'atom-worker@2.service',
            condition: 'failed',
            rawState: 'failed/failed',
            since: 'Tue 2026-12-01 09:20:01 PST',
            restarts: 5,
            startLimitHit: true,
          },
        ],
      },
    },
  ],
  gearman: {
    prefix: PREFIX,
    servers: [
      {
        server: SERVER,
        ok: true,
        workerConnections: 1,
        classes: CLASSES.map((c, i) => ({
          jobClass: c,
          function: PREFIX + c,
          availableWorkers: i === 1 ? 0 : 1,
          connections: 1,
          waiting: i === 1 ? 3 : 0,
          running: 0,
          registered: true,
        })),
      },
    ],
  },
  problems: [
    'deploy@worker-1.archives.example.org atom-worker@2.service: at its start limit (run: atom-ops worker reset, or worker restart)',
  ],
  exitCode: 1,
} as unknown as WorkerStatusReport

/** The second refresh of queue watch: a new function and a changed count. */
export const watchSnapshot: WatchSnapshot = {
  time: '2026-12-01T17:15:35.123Z',
  seq: 2,
  rows: queueStatus.servers[0].functions.map((f, i) => ({
    ...f,
    server: SERVER,
    changed: i === 0 ? ['new'] : i === 1 ? ['waiting'] : [],
  })),
  gone: [],
  servers: queueStatus.servers,
  totals: queueStatus.totals,
  unreachable: 0,
  exitCode: 0,
}

import type {JobsSession} from './session.js'

import {describeError, UsageError} from '../errors.js'
import {downloadExists} from './files.js'
import {type FunctionState, gearmanPicture, type ServerAnswer} from './gearman.js'
import {type JobNote, type JobProperty, type JobSummary, loadJob} from './query.js'

export interface JobDetails extends JobSummary {
  output: string | null
  notes: JobNote[]
  properties: JobProperty[]
  download: {path: string | null; exists: boolean; refused?: string}
  gearman?: {function: string; servers: ServerAnswer[]; state: FunctionState | null; error?: string}
}

/** Everything about one job: its row, notes, output, properties, its download file, and Gearman's view of its function. */
export async function showJob(ctx: JobsSession, id: number): Promise<JobDetails> {
  const job = await loadJob(ctx.db, ctx.clock, id)
  if (!job) throw new UsageError(`there is no job with id ${id}`, 'See the ids with `atom-ops jobs list`.')
  const download = ctx.realRoot
    ? await downloadExists(ctx.realRoot, job.downloadPath)
    : {exists: false, refused: 'install root unknown'}
  let gearman: JobDetails['gearman']
  if (ctx.scope && job.name) {
    const fn = ctx.scope.prefix + job.name
    try {
      const picture = await gearmanPicture(ctx.scope)
      gearman = {function: fn, servers: picture.servers, state: picture.functions.get(fn) ?? null}
    } catch (error) {
      gearman = {function: fn, servers: [], state: null, error: describeError(error)}
    }
  }

  return {...job, download: {path: job.downloadPath, exists: download.exists, refused: download.refused}, gearman}
}

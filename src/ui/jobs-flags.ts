import {Flags} from '@oclif/core'

import {type JobFilter, parseNames, parseStatuses} from '../lib/jobs/filter.js'
import {parseDuration} from '../lib/util/duration.js'

/** The filter flags `jobs list`, `jobs export` and `jobs clear` share. */
export const filterFlags = {
  status: Flags.string({multiple: true, summary: 'Only jobs in this status: running, completed or error (repeatable, or comma-separated).'}),
  name: Flags.string({multiple: true, summary: 'Only jobs of this class (arFindingAidJob); * is a wildcard (repeatable).'}),
  user: Flags.string({summary: 'Only jobs started by this user (username or id); "none" for jobs with no user (command line).'}),
  'older-than': Flags.string({summary: 'Only jobs started longer ago than this: 90m, 2h, 7d.'}),
  'newer-than': Flags.string({summary: 'Only jobs started within this: 90m, 2h, 7d.'}),
}

export function filterFromFlags(flags: {status?: string[]; name?: string[]; user?: string; 'older-than'?: string; 'newer-than'?: string; inactive?: boolean}): JobFilter {
  return {
    statuses: parseStatuses(flags.status),
    names: parseNames(flags.name),
    user: flags.user,
    olderThanMs: flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'], '--older-than'),
    newerThanMs: flags['newer-than'] === undefined ? undefined : parseDuration(flags['newer-than'], '--newer-than'),
    inactive: flags.inactive || undefined,
  }
}

import * as Flags from '@oclif/core/flags'

import type {Column} from '../ui/table.js'

import {type JobFilter, parseNames, parseStatuses} from '../lib/jobs/filter.js'
import {parseDuration} from '../lib/util/duration.js'

/** The flag sets commands share, with their oclif types (what they parse to is what the command reads). */

/**
 * --force of a command that asks before it changes something; -y/--yes is the same flag, as in apt
 * and most installers. `char` keeps the command's existing short flag.
 */
export function forceFlag(summary: string, options: {char?: 'f'; dependsOn?: string[]} = {}) {
  return Flags.boolean({summary: `${summary} Also -y, --yes.`, aliases: ['yes'], charAliases: ['y'], ...options})
}

/** --columns of a command whose main table has these columns: checked when the flags are parsed. */
export function columnsFlag(columns: readonly Column[]) {
  const keys = columns.map((c) => c.key)
  return Flags.string({
    multiple: true,
    delimiter: ',',
    options: keys,
    summary: `Show only these columns of the table, in this order (comma-separated): ${keys.join(', ')}.`,
  })
}

/**
 * A number of seconds that may have a fraction (`--timeout 2.5`, `--interval 0.5`), checked by oclif
 * while it parses, as its integer flags are: a bad value is a usage error before any configuration is
 * read or anything asked. `parse` is the one rule for the value (shared with its environment variable).
 */
export function secondsFlag(parse: (text: string) => number) {
  return Flags.custom<number>({parse: async (input) => parse(input)})
}

/** The filter flags `jobs list`, `jobs export` and `jobs clear` share. */
export const filterFlags = {
  status: Flags.string({
    multiple: true,
    summary: 'Only jobs in this status: running, completed or error (repeatable, or comma-separated).',
  }),
  name: Flags.string({
    multiple: true,
    summary: 'Only jobs of this class (arFindingAidJob); * is a wildcard (repeatable).',
  }),
  user: Flags.string({
    summary: 'Only jobs started by this user (username or id); "none" for jobs with no user (command line).',
  }),
  'older-than': Flags.string({summary: 'Only jobs started longer ago than this: 90m, 2h, 7d.'}),
  'newer-than': Flags.string({summary: 'Only jobs started within this: 90m, 2h, 7d.'}),
}

export function filterFromFlags(flags: {
  status?: string[]
  name?: string[]
  user?: string
  'older-than'?: string
  'newer-than'?: string
  inactive?: boolean
}): JobFilter {
  return {
    statuses: parseStatuses(flags.status),
    names: parseNames(flags.name),
    user: flags.user,
    olderThanMs: flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'], '--older-than'),
    newerThanMs: flags['newer-than'] === undefined ? undefined : parseDuration(flags['newer-than'], '--newer-than'),
    inactive: flags.inactive || undefined,
  }
}

const SERVICE = 'SERVICE'

/** The flags of every command that talks to a service manager (worker *, cache clear's php-fpm). */
export const serviceFlags = {
  host: Flags.string({
    helpGroup: SERVICE,
    multiple: true,
    summary:
      "Run on this host over ssh (user@host, an ~/.ssh/config alias or ssh://user@host:port); repeatable. Default: the profile's hosts, else this machine.",
  }),
  unit: Flags.string({
    helpGroup: SERVICE,
    summary:
      "systemd unit or supervisord program: a name, a glob ('atom-worker@*'), a template ('atom-worker@') or a group ('atom-workers:*'). Default: the profile's unit, else atom-worker.",
  }),
  manager: Flags.string({
    helpGroup: SERVICE,
    options: ['systemd', 'supervisor'],
    summary: 'Service manager (default: detected per host; the profile may set it).',
  }),
  'supervisor-config': Flags.string({
    helpGroup: SERVICE,
    summary: 'supervisord config file, passed as supervisorctl -c FILE (implies --manager supervisor).',
  }),
  'ssh-option': Flags.string({
    helpGroup: SERVICE,
    multiple: true,
    summary:
      'Extra ssh -o option (Port=2222, IdentityFile=..., UserKnownHostsFile=...); repeatable. Raw ssh words also from $ATOM_OPS_SSH_OPTIONS.',
  }),
}

export function serviceFlagValues(flags: {
  host?: string[]
  unit?: string
  manager?: string
  'supervisor-config'?: string
  'ssh-option'?: string[]
}) {
  return {
    host: flags.host,
    unit: flags.unit,
    manager: flags.manager,
    supervisorConfig: flags['supervisor-config'],
    sshOption: flags['ssh-option'],
  }
}

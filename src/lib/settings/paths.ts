import {homedir} from 'node:os'
import {join} from 'node:path'

/** atom-ops' own configuration file (profiles). ATOM_OPS_CONFIG overrides the XDG location. */
export function settingsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATOM_OPS_CONFIG) return env.ATOM_OPS_CONFIG
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'atom-ops', 'config.yml')
}

/** Where backups and (when /var/log/atom-ops is not writable) the audit log live. */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATOM_OPS_STATE_DIR) return env.ATOM_OPS_STATE_DIR
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(base, 'atom-ops')
}

import {stat} from 'node:fs/promises'
import {join} from 'node:path'

/** What makes a directory an AtoM install: its symfony application, and its configuration or project code. */
export interface RootMarkers {
  /** apps/qubit: AtoM's one symfony application (other PHP projects have a config/config.php too). */
  application: boolean
  /** config/config.php: written by AtoM's installer; without it there is no database to read. */
  configPhp: boolean
  /** The symfony CLI script and config/ProjectConfiguration.class.php: a release, installed or not. */
  project: boolean
}

async function exists(path: string, kind: 'file' | 'directory'): Promise<boolean> {
  try {
    const s = await stat(path)
    return kind === 'file' ? s.isFile() : s.isDirectory()
  } catch {
    return false
  }
}

export async function rootMarkers(dir: string): Promise<RootMarkers> {
  const [application, configPhp, symfony, projectConfiguration] = await Promise.all([
    exists(join(dir, 'apps', 'qubit'), 'directory'),
    exists(join(dir, 'config', 'config.php'), 'file'),
    exists(join(dir, 'symfony'), 'file'),
    exists(join(dir, 'config', 'ProjectConfiguration.class.php'), 'file'),
  ])
  return {application, configPhp, project: symfony && projectConfiguration}
}

/** An AtoM root: apps/qubit, and config/config.php or the symfony project files. */
export function isAtomRoot(markers: RootMarkers): boolean {
  return markers.application && (markers.configPhp || markers.project)
}

export async function isDirectory(path: string): Promise<boolean> {
  return exists(path, 'directory')
}

// Reads an AtoM install after dropping to uid/gid 65534 (nobody), to see how an unreadable file is reported.
// Everything is imported first: after setuid, files under a private checkout may no longer be readable.
import {readAtomInstall, readDatabaseSettings} from '../../src/lib/atom/install.js'
import {AtomOpsError} from '../../src/lib/errors.js'

process.setgid!(65_534)
process.setuid!(65_534)
try {
  await readDatabaseSettings((await readAtomInstall(process.argv[2])).configPhp)
  console.log(JSON.stringify({ok: true}))
} catch (error) {
  const e = error as AtomOpsError
  console.log(JSON.stringify({ok: false, kind: e.kind, exitCode: e.exitCode, message: e.message, hint: e.hint}))
}

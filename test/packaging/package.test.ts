/**
 * `npm run package` for real, in its fast form (gzip -1, the build the test command already made, the Node.js
 * runtime from the cache, fetched from the npm registry once per machine): the .deb installed with dpkg into a scratch root (dpkg --root, the
 * maintainer script run chrootless with DPKG_ROOT) for most checks, upgraded to the next version and purged there;
 * the tarball run with no node on PATH; the npm tarball's contents; lintian; then one real install with apt-get
 * and its purge, which the test always undoes (and skips when atom-ops is installed on this machine already).
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {type CliResult, runProgram} from '../helpers/cli.js'
import {hasScript, shellQuote} from '../helpers/pty.js'
import {insertJob} from '../support/testbed/seed.js'
import {TestBed} from '../support/testbed/testbed.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
  version: string
  author: string
  config: {nodeRuntime: string}
}
const VERSION = pkg.version
const NEXT = `${VERSION}+1`
const RUNTIME_VERSION = pkg.config.nodeRuntime.split('@').at(-1)!
const isRoot = process.getuid?.() === 0
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
const canBuildDeb = isRoot && ['dpkg-deb', 'dpkg-shlibdeps', 'strip', 'objdump'].every(has)

/**
 * What must not ship, in any of the three: of ours, the test bed, tests, benches, sources, source maps; of the
 * npm packages, their tests, types and maps (their own src/ is often what runs).
 */
function notShipped(paths: string[], prefix = ''): string[] {
  return paths.filter((path) => {
    const p = path.slice(prefix.length)
    if (p.startsWith('node_modules/'))
      return /(^|\/)node_modules\/(@[^/]+\/)?[^/]+\/(test|tests|__tests__)\/|\.map$|\.d\.[cm]?ts$|(^|\/)node_modules\/@types\//.test(
        p,
      )
    return /(^|\/)(testbed|test|tests|bench|src)(\/|$)|\.map$|\.ts$/.test(p)
  })
}

let work: string
let bed: TestBed
let deb: string
let tarball: string
let npmTarball: string
let lintian: Promise<CliResult> | undefined
let nextDeb: Promise<string>

const run = (command: string, args: string[], options: Parameters<typeof runProgram>[2] = {}) =>
  runProgram(command, args, {timeoutMs: 600_000, ...options})

async function ok(command: string, args: string[], options: Parameters<typeof runProgram>[2] = {}): Promise<CliResult> {
  const r = await run(command, args, options)
  assert.equal(r.code, 0, `${command} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r
}

/** Every path under dir (relative, sorted), symlinks as themselves. */
async function tree(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  if (!existsSync(dir)) return []
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  return entries
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((p) => !skip(p))
    .sort()
}

/** dpkg acting on a scratch root: its own database (holding only the libraries atom-ops depends on), its own log. */
function dpkgIn(root: string, ...args: string[]): Promise<CliResult> {
  return ok('dpkg', [`--root=${root}`, '--force-script-chrootless', `--log=${join(root, 'var/log/dpkg.log')}`, ...args])
}

async function scratchRoot(name: string): Promise<string> {
  const root = join(work, name)
  const admin = join(root, 'var/lib/dpkg')
  for (const dir of ['info', 'updates', 'triggers']) await mkdir(join(admin, dir), {recursive: true})
  await mkdir(join(root, 'var/log'), {recursive: true})
  for (const file of ['diversions', 'statoverride']) await writeFile(join(admin, file), '')
  const libs = ['libc6', 'libgcc-s1', 'libstdc++6']
  await writeFile(join(admin, 'status'), (await ok('dpkg-query', ['-s', ...libs])).stdout + '\n')
  for (const lib of libs) await writeFile(join(admin, 'info', `${lib}:amd64.list`), '')
  await mkdir(join(root, 'root'), {recursive: true})
  return root
}

/** bash-completion's own loader finds atom-ops' file (in XDG_DATA_DIRS) and the function completes words. */
async function bashCompletes(dataDirs: string | undefined, words: string[]): Promise<string[]> {
  const script = `source /usr/share/bash-completion/bash_completion
${dataDirs ? `XDG_DATA_DIRS=${shellQuote(dataDirs)}` : ''}
__load_completion atom-ops || exit 3
func=$(complete -p atom-ops | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
COMP_WORDS=(${words.map(shellQuote).join(' ')}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}
"$func" atom-ops "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = await ok('bash', ['-c', script], {exactEnv: true, env: {PATH: '/usr/bin:/bin', HOME: work}})
  return [...new Set(r.stdout.split('\n').filter(Boolean))]
}

/**
 * zsh in a real terminal (script(1)): compinit with the given fpath, `atom-ops <words><Tab>`, then a key bound to a
 * widget that prints the edited line. Waits on the screen, not on time.
 */
async function zshCompletes(fpathFirst: string | undefined, typed: string): Promise<string> {
  const home = await mkdtemp(join(work, 'zsh-'))
  await writeFile(
    join(home, '.zshrc'),
    `${fpathFirst ? `fpath=(${shellQuote(fpathFirst)} $fpath)\n` : ''}autoload -Uz compinit && compinit -u -d ${shellQuote(join(home, 'zcompdump'))}
show-line() { zle -I; print -r -- "LINE<$BUFFER>"; BUFFER=exit; zle accept-line }
zle -N show-line; bindkey '^T' show-line
PS1='READY> '
`,
  )
  const inner = `stty cols 120 rows 40; env -i TERM=xterm HOME=${shellQuote(home)} ZDOTDIR=${shellQuote(home)} PATH=/usr/bin:/bin zsh -i`
  const child = spawn('script', ['-qfec', inner, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe']})
  let screen = ''
  let typedLine = false
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`zsh completion gave no line; screen:\n${screen}`))
    }, 60_000)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d
      if (!typedLine && screen.includes('READY> ')) {
        typedLine = true
        // zle reads its input in order: Tab completes, then ^T prints the line as completed.
        child.stdin.write(`atom-ops ${typed}\t\u0014`)
      }

      const line = screen.match(/LINE<([^>]*)>/)
      if (line) {
        clearTimeout(timer)
        child.kill('SIGKILL')
        resolve(line[1])
      }
    })
    child.stderr.resume()
    child.on('error', reject)
  })
}

before(async () => {
  if (!canBuildDeb) return
  work = await mkdtemp(join(tmpdir(), 'atom-ops-package-'))
  // npm run package, fast: gzip -1, and the build the test command made already.
  const built = await ok(
    'npm',
    ['run', '--silent', 'package', '--', '--fast', '--no-build', '--out', join(work, 'out')],
    {cwd: repo},
  )
  const files = built.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t')[0])
  deb = files.find((f) => f.endsWith('.deb'))!
  tarball = files.find((f) => f.endsWith('-linux-x64.tar.gz'))!
  npmTarball = files.find((f) => f.endsWith(`atom-ops-${VERSION}.tgz`))!
  assert.ok(deb && tarball && npmTarball, built.stdout)
  // lintian reads the whole package for half a minute or more: it runs while the other checks do (its test is last).
  if (has('lintian')) lintian = run('lintian', ['--display-info', deb])
  // The next version, for the upgrade test, builds meanwhile too (the runtime is in the cache by now).
  nextDeb = ok(process.execPath, [
    join(repo, 'scripts/package.mjs'),
    '--fast',
    '--no-build',
    '--only',
    'deb',
    '--version',
    NEXT,
    '--out',
    join(work, 'next'),
  ]).then((r) => r.stdout.split('\t')[0])
  nextDeb.catch(() => {}) // awaited (and reported) by the upgrade test
  bed = await TestBed.start()
  await bed.startAtomWorker()
})

after(async () => {
  await bed?.stop()
  if (work) await rm(work, {recursive: true, force: true})
})

/** The CLI's checks against the test bed: config, Gearman, MySQL, and a destructive command (state and audit). */
async function checksAgainstBed(bin: string, env: NodeJS.ProcessEnv): Promise<void> {
  const version = await ok(bin, ['--version'], {exactEnv: true, env})
  assert.match(
    version.stdout,
    new RegExp(`^atom-ops/${VERSION.replaceAll(/[.+]/g, String.raw`\$&`)} linux-x64 node-v${RUNTIME_VERSION}`),
  )
  const help = await ok(bin, ['doctor', '--help'], {exactEnv: true, env})
  assert.match(help.stdout, /Exit codes: 0 OK; 1 WARNING; 2 CRITICAL/)
  const config = await ok(bin, ['config', 'show', '--json'], {
    exactEnv: true,
    env: {...env, ATOM_OPS_ATOM_ROOT: bed.root},
  })
  assert.equal(config.json.atomRoot, bed.root)
  assert.deepEqual(
    config.json.gearmanServers.map((s: {port: number}) => s.port),
    bed.servers.map((s) => s.port),
  )
  const queue = await ok(bin, ['queue', 'status', '--json'], {
    exactEnv: true,
    env: {...env, ATOM_OPS_ATOM_ROOT: bed.root},
  })
  const finding = queue.json.servers[0].functions.find(
    (f: {function: string}) => f.function === bed.fn('arFindingAidJob'),
  )
  assert.ok(finding?.availableWorkers >= 1, queue.stdout)
  const list = await ok(bin, ['jobs', 'list', '--json'], {exactEnv: true, env: {...env, ATOM_OPS_ATOM_ROOT: bed.root}})
  assert.equal(list.json.total, list.json.jobs.length, list.stdout)
}

describe(
  'npm run package',
  {skip: canBuildDeb ? false : 'needs root, dpkg-deb, dpkg-shlibdeps (dpkg-dev) and binutils'},
  () => {
    test('the .deb: files where Debian puts them, its Depends, one maintainer script, none of the test bed, tests, benches or source maps', async () => {
      const listing = (await ok('dpkg-deb', ['-c', deb])).stdout
      const paths = listing
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\.\//, ''))
      assert.ok(listing.includes('./usr/bin/atom-ops -> ../lib/atom-ops/bin/atom-ops'), 'the /usr/bin link')
      for (const path of [
        'usr/lib/atom-ops/bin/atom-ops',
        'usr/lib/atom-ops/bin/run.js',
        'usr/lib/atom-ops/node/bin/node',
        'usr/lib/atom-ops/oclif.manifest.json',
        'usr/lib/atom-ops/node_modules/@oclif/core/package.json',
        'usr/share/man/man1/atom-ops.1.gz',
        'usr/share/man/man1/atom-ops-jobs-clear.1.gz',
        'usr/share/bash-completion/completions/atom-ops',
        'usr/share/zsh/vendor-completions/_atom-ops',
        'usr/share/doc/atom-ops/copyright',
        'usr/share/doc/atom-ops/changelog.gz',
        'usr/share/doc/atom-ops/README.md.gz',
        'usr/share/lintian/overrides/atom-ops',
      ]) {
        assert.ok(paths.includes(path), `${path} missing`)
      }

      assert.deepEqual(
        notShipped(
          paths.filter((p) => p.startsWith('usr/lib/atom-ops/')),
          'usr/lib/atom-ops/',
        ),
        [],
      )

      const field = async (name: string) => (await ok('dpkg-deb', ['-f', deb, name])).stdout.trim()
      assert.equal(await field('Package'), 'atom-ops')
      assert.equal(await field('Version'), VERSION)
      assert.equal(await field('Architecture'), 'amd64')
      const depends = await field('Depends')
      // The runtime's libraries, at the versions it asks for; no nodejs: it brings its own.
      assert.match(depends, /^libc6 \(>= 2\.\d+\), libgcc-s1 \(>= [\d.]+\), libstdc\+\+6 \(>= [\d.]+\)$/)
      const control = (await ok('sh', ['-c', `dpkg-deb --ctrl-tarfile ${shellQuote(deb)} | tar -t`])).stdout
        .split('\n')
        .filter(Boolean)
        .sort()
      assert.deepEqual(control, ['./', './control', './md5sums', './postrm'])

      const copyright = (
        await ok('sh', [
          '-c',
          `dpkg-deb --fsys-tarfile ${shellQuote(deb)} | tar -xOf - ./usr/share/doc/atom-ops/copyright`,
        ])
      ).stdout
      assert.match(copyright, /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/\n/)
      assert.match(copyright, /\nLicense: AGPL-3\+\n GNU AFFERO GENERAL PUBLIC LICENSE\n/)
      assert.match(copyright, /\nFiles: node\/\*\n/)
      // Every bundled npm package has its paragraph (notice and licence).
      const bundled = paths
        .filter(
          (p) =>
            /^usr\/lib\/atom-ops\/node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(p) ||
            /\/node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(p),
        )
        .map((p) => p.slice('usr/lib/atom-ops/'.length, -'/package.json'.length))
        .filter((p) => !/\/(dist|lib|esm|cjs|commonjs)\b/.test(p.split('node_modules/').at(-1)!))
      assert.ok(bundled.length > 50, `${bundled.length} packages`)
      for (const p of bundled) assert.ok(copyright.includes(`\nFiles: ${p}/*\n`), `${p} has no copyright paragraph`)
    })

    describe('installed with dpkg into a scratch root, upgraded, removed and purged', () => {
      let root: string
      let before: string[]
      let env: NodeJS.ProcessEnv
      const userFiles = ['root/.config/atom-ops/config.yml', 'var/log/atom-ops/audit.log']

      test('dpkg -i: atom-ops --version runs the shipped Node.js, doctor --help, man -w, bash and zsh completion, checks against the test bed', async () => {
        root = await scratchRoot('root')
        before = await tree(root, (p) => p.startsWith('var/lib/dpkg/') || p === 'var/log/dpkg.log')
        await dpkgIn(root, '-i', deb)
        assert.match(
          (
            await ok('dpkg-query', [
              `--admindir=${join(root, 'var/lib/dpkg')}`,
              '-W',
              '-f',
              '${Status} ${Version}',
              'atom-ops',
            ])
          ).stdout,
          new RegExp(`^install ok installed ${VERSION.replaceAll(/[.+]/g, String.raw`\$&`)}$`),
        )
        // What the root's own files would be: config under HOME, the audit log where root writes it (here inside the
        // scratch root, not the machine's /var/log), the state directory under HOME.
        env = {
          PATH: `${join(root, 'usr/bin')}:/usr/bin:/bin`,
          HOME: join(root, 'root'),
          ATOM_OPS_AUDIT_LOG: join(root, 'var/log/atom-ops/audit.log'),
        }
        const bin = join(root, 'usr/bin/atom-ops')
        await checksAgainstBed(bin, env)

        const man = await ok('man', ['-w', 'atom-ops'], {
          exactEnv: true,
          env: {...env, MANPATH: join(root, 'usr/share/man')},
        })
        assert.equal(man.stdout.trim(), join(root, 'usr/share/man/man1/atom-ops.1.gz'))
        const manClear = await ok('man', ['-w', 'atom-ops-jobs-clear'], {
          exactEnv: true,
          env: {...env, MANPATH: join(root, 'usr/share/man')},
        })
        assert.equal(manClear.stdout.trim(), join(root, 'usr/share/man/man1/atom-ops-jobs-clear.1.gz'))

        if (existsSync('/usr/share/bash-completion/bash_completion')) {
          assert.deepEqual(await bashCompletes(join(root, 'usr/share'), ['atom-ops', 'jo']), ['jobs'])
          assert.deepEqual(await bashCompletes(join(root, 'usr/share'), ['atom-ops', 'jobs', 'cl']), ['clear'])
          assert.deepEqual(await bashCompletes(join(root, 'usr/share'), ['atom-ops', 'jobs', 'clear', '--dry']), [
            '--dry-run',
          ])
        }

        if (has('zsh') && hasScript)
          assert.equal(
            await zshCompletes(join(root, 'usr/share/zsh/vendor-completions'), 'queue wor'),
            'atom-ops queue workers ',
          )
      })

      test('upgrade to the next version keeps the config, the state (backups) and the audit log; the new version reads them', async () => {
        assert.ok(root, 'installed by the previous test')
        const bin = join(root, 'usr/bin/atom-ops')
        await mkdir(join(root, 'root/.config/atom-ops'), {recursive: true})
        await writeFile(
          join(root, 'root/.config/atom-ops/config.yml'),
          `default: bed\nprofiles:\n  bed:\n    atom_root: ${bed.root}\n`,
        )
        // A destructive command: a backup in the state directory and a record in the audit log.
        await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
        const cleared = await ok(bin, ['jobs', 'clear', '--inactive', '--force', '--json'], {exactEnv: true, env})
        const backups = await tree(join(root, 'root/.local/state/atom-ops'))
        assert.ok(
          backups.some((p) => p.startsWith('backups/')),
          `no backup: ${backups.join(', ')}\n${cleared.stdout}`,
        )
        const hash = async (files: string[]) =>
          Promise.all(
            files.map(async (f) =>
              createHash('sha256')
                .update(await readFile(join(root, f)))
                .digest('hex'),
            ),
          )
        const kept = [
          ...userFiles,
          ...backups
            .filter((p) => p.startsWith('backups/') && !p.endsWith('backups'))
            .map((p) => `root/.local/state/atom-ops/${p}`),
        ]
        const hashes = await hash(kept)

        await dpkgIn(root, '-i', await nextDeb)
        const version = await ok(bin, ['--version'], {exactEnv: true, env})
        assert.match(version.stdout, new RegExp(`^atom-ops/${NEXT.replaceAll(/[.+]/g, String.raw`\$&`)} `))
        assert.deepEqual(await hash(kept), hashes)
        // The profile comes from the kept file (no ATOM_OPS_ATOM_ROOT here); the backups are still listed.
        const config = await ok(bin, ['config', 'show', '--json'], {exactEnv: true, env})
        assert.equal(config.json.profile, 'bed')
        assert.equal(config.json.atomRoot, bed.root)
        const listed = await ok(bin, ['jobs', 'backups', '--json'], {exactEnv: true, env})
        assert.deepEqual(
          listed.json.backups.map((b: {path: string}) => b.path),
          kept.filter((p) => p.includes('/backups/')).map((p) => join(root, p)),
        )
      })

      test("remove keeps the audit log, purge removes it; nothing of the package is left, the users' own files are", async () => {
        assert.ok(root, 'installed by the previous tests')
        await dpkgIn(root, '--remove', 'atom-ops')
        assert.ok(!existsSync(join(root, 'usr/bin/atom-ops')))
        assert.ok(existsSync(join(root, 'var/log/atom-ops/audit.log')), 'remove must keep the log')
        await dpkgIn(root, '--purge', 'atom-ops')
        const after = await tree(
          root,
          (p) => p.startsWith('var/lib/dpkg/') || p === 'var/log/dpkg.log' || p.startsWith('root/'),
        )
        assert.deepEqual(
          after,
          before.filter((p) => !p.startsWith('root/')),
        )
        assert.deepEqual(
          (await readdir(join(root, 'var/lib/dpkg/info'))).filter((f) => f.startsWith('atom-ops')),
          [],
        )
        // $HOME is the user's: never touched by the package.
        assert.ok(existsSync(join(root, 'root/.config/atom-ops/config.yml')))
        assert.ok((await tree(join(root, 'root/.local/state/atom-ops'))).some((p) => p.startsWith('backups/')))
      })
    })

    test('the tarball: self-contained, runs from where it is unpacked (and through a link) with no node on PATH', async () => {
      const dir = join(work, 'tarball')
      await mkdir(dir)
      await ok('tar', ['-xzf', tarball, '-C', dir])
      const top = await tree(join(dir, 'atom-ops'), (p) => /^(node_modules|dist|node)\//.test(p))
      for (const path of [
        'bin/atom-ops',
        'bin/run.js',
        'node/bin/node',
        'node/LICENSE',
        'README.md',
        'LICENSE',
        'COPYRIGHT',
        'share/man/man1/atom-ops.1',
        'share/bash-completion/completions/atom-ops',
        'share/zsh/site-functions/_atom-ops',
      ]) {
        assert.ok(top.includes(path) || existsSync(join(dir, 'atom-ops', path)), `${path} missing`)
      }

      assert.deepEqual(notShipped(await tree(dir), 'atom-ops/'), [])
      // A PATH with no node anywhere: only readlink, which the launcher needs when it is reached through a link.
      const bin = join(work, 'no-node-bin')
      await mkdir(bin)
      await symlink('/usr/bin/readlink', join(bin, 'readlink'))
      const env = {PATH: bin, HOME: join(work, 'tarball-home')}
      assert.notEqual(spawnSync('sh', ['-c', 'command -v node'], {env}).status, 0)
      await checksAgainstBed(join(dir, 'atom-ops/bin/atom-ops'), env)
      await symlink(join(dir, 'atom-ops/bin/atom-ops'), join(bin, 'atom-ops'))
      const viaLink = await ok('atom-ops', ['--version'], {exactEnv: true, env})
      assert.match(viaLink.stdout, new RegExp(`node-v${RUNTIME_VERSION}`))
      // Every module of the CLI loads, and so does every package it imports only when a command needs it.
      const check = join(dir, 'atom-ops/dist/load-check.mjs')
      await writeFile(
        check,
        `import {readdir, readFile} from 'node:fs/promises'
const dist = new URL('.', import.meta.url).pathname
const bare = new Set()
for (const f of await readdir(dist, {recursive: true})) {
  if (!f.endsWith('.js')) continue
  await import(dist + f)
  for (const m of (await readFile(dist + f, 'utf8')).matchAll(/import\\(['"]([^'"./][^'"]*)['"]\\)/g)) if (!m[1].startsWith('node:')) bare.add(m[1])
}
for (const name of bare) await import(name)
console.log([...bare].sort().join(' '))
`,
      )
      const loaded = await ok(join(dir, 'atom-ops/node/bin/node'), [check], {exactEnv: true, env})
      assert.match(loaded.stdout, /mysql2/)
    })

    test('the npm tarball: the built CLI and its man pages, none of the test bed, tests, benches or source maps', async () => {
      const files = (await ok('tar', ['-tzf', npmTarball])).stdout
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^package\//, ''))
      assert.deepEqual(notShipped(files), [])
      assert.ok(!files.includes('bin/dev.js'))
      for (const path of [
        'bin/run.js',
        'dist/commands/jobs/clear.js',
        'oclif.manifest.json',
        'dist/man/atom-ops.1',
        'dist/man/atom-ops-jobs-clear.1',
        'LICENSE',
        'README.md',
        'package.json',
      ])
        assert.ok(files.includes(path), `${path} missing`)
      const manifest = JSON.parse((await ok('tar', ['-xzOf', npmTarball, 'package/package.json'])).stdout)
      // npm install -g links the pages "man" lists into its man path.
      assert.deepEqual(
        manifest.man.map((m: string) => m.replace(/^\.\//, '')).sort(),
        files.filter((f) => f.startsWith('dist/man/')).sort(),
      )
    })

    describe('one real install on this machine, then its purge', () => {
      const installed = spawnSync('dpkg-query', ['-W', '-f', '${Status}', 'atom-ops'], {
        encoding: 'utf8',
      }).stdout.includes('installed')
      // apt purge removes /var/log/atom-ops: never someone else's audit log.
      const skip = has('apt-get')
        ? installed || existsSync('/usr/bin/atom-ops')
          ? 'atom-ops is installed on this machine: left alone'
          : existsSync('/var/log/atom-ops')
            ? '/var/log/atom-ops exists: a purge would remove it'
            : false
        : 'no apt-get'
      // The directories the package writes to: each entry it adds names atom-ops (and a directory of its, all inside).
      const places = [
        '/usr/bin',
        '/usr/lib',
        '/usr/share/man/man1',
        '/usr/share/bash-completion/completions',
        '/usr/share/zsh/vendor-completions',
        '/usr/share/doc',
        '/usr/share/lintian/overrides',
        '/var/lib/dpkg/info',
        '/var/log',
      ]
      const ours = () =>
        spawnSync(
          'find',
          [...places, '-mindepth', '1', '-maxdepth', '1', '-name', '*atom-ops*', '-exec', 'find', '{}', ';'],
          {encoding: 'utf8'},
        )
          .stdout.split('\n')
          .filter(Boolean)
          .sort()
      const apt = (...args: string[]) =>
        ok('apt-get', ['-y', '-q', '-o', 'DPkg::Lock::Timeout=600', ...args], {
          env: {DEBIAN_FRONTEND: 'noninteractive'},
        })

      test(
        'apt-get install ./…deb: atom-ops on PATH, man atom-ops, completion in the system directories, checks against the test bed; apt-get remove --purge leaves nothing',
        {skip},
        async (t) => {
          const beforeInstall = ours()
          t.diagnostic(`atom-ops paths in the system directories before the install: ${beforeInstall.length}`)
          // Should this process be killed (a timeout) before its own purge, this undoes the install once it is gone.
          const guard = spawn(
            'sh',
            [
              '-c',
              `tail --pid=${process.pid} -f /dev/null; dpkg-query -W -f '\${Version}' atom-ops 2>/dev/null | grep -qx ${shellQuote(VERSION)} && DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -q -o DPkg::Lock::Timeout=600 atom-ops`,
            ],
            {detached: true, stdio: 'ignore'},
          )
          guard.unref()
          try {
            await apt('install', '--no-install-recommends', deb)
            const listed = (await ok('dpkg', ['-L', 'atom-ops'])).stdout
              .split('\n')
              .filter((p) => p.includes('atom-ops'))
              .sort()
            assert.deepEqual(
              ours().filter((p) => !p.startsWith('/var/lib/dpkg/info/')),
              listed.filter((p) => existsSync(p)),
            )
            const installedPaths = ours()
            t.diagnostic(
              `installed: ${installedPaths.length} paths, in ${[...new Set(installedPaths.map((p) => p.split('/').slice(0, 4).join('/')))].join(', ')}`,
            )
            const env = {
              PATH: '/usr/local/bin:/usr/bin:/bin',
              HOME: join(work, 'real-home'),
              ATOM_OPS_AUDIT_LOG: join(work, 'real-audit.log'),
            }
            assert.equal(
              (await ok('sh', ['-c', 'command -v atom-ops'], {exactEnv: true, env})).stdout.trim(),
              '/usr/bin/atom-ops',
            )
            await checksAgainstBed('atom-ops', env)
            assert.equal(
              (await ok('man', ['-w', 'atom-ops'], {exactEnv: true, env})).stdout.trim(),
              '/usr/share/man/man1/atom-ops.1.gz',
            )
            if (existsSync('/usr/share/bash-completion/bash_completion'))
              assert.deepEqual(await bashCompletes(undefined, ['atom-ops', 'queue', 'st']), ['status'])
            if (has('zsh') && hasScript)
              assert.equal(await zshCompletes(undefined, 'jobs stal'), 'atom-ops jobs stalled ')
          } finally {
            await apt('remove', '--purge', 'atom-ops')
            process.kill(-guard.pid!, 'SIGKILL')
          }

          assert.ok(!existsSync('/usr/bin/atom-ops'))
          assert.deepEqual(ours(), beforeInstall)
          t.diagnostic(`after apt-get remove --purge: ${ours().length} atom-ops paths (as before)`)
        },
      )
    })

    test(
      'lintian: no error or warning beyond the overrides it ships (each explained there), bar the placeholder maintainer address',
      {skip: has('lintian') ? false : 'lintian is not installed'},
      async () => {
        const r = await lintian!
        const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l))
        // Until the project names a maintainer (package.json "author"), the address is the reserved .invalid one.
        const placeholder = pkg.author.endsWith('@invalid>')
        assert.deepEqual(
          tags.filter((t) => !(placeholder && /: bogus-mail-host(-in-debian-changelog)? /.test(t))),
          [],
          r.stdout + r.stderr,
        )
      },
    )
  },
)

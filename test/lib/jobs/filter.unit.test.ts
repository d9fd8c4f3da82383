import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {filterConditions, parseStatuses} from '../../../src/lib/jobs/filter.js'
import {parseSort} from '../../../src/lib/jobs/query.js'

describe('job filters', () => {
  test('statuses: aliases, commas, duplicates; unknown is a usage error', () => {
    assert.deepEqual(parseStatuses(['failed,completed', 'error']), ['error', 'completed'])
    assert.throws(() => parseStatuses(['done']), /--status "done" is not a job status/)
  })
  test('values never enter the SQL text', () => {
    const evil = "x' OR 1=1 -- "
    const {conditions, values} = filterConditions({names: [evil, 'a*b%'], user: evil, statuses: ['running']})
    assert.ok(!conditions.join(' ').includes(evil))
    assert.ok(values.includes(evil))
    assert.ok(values.includes(String.raw`a%b\%`))
  })
  test('sort parsing', () => {
    assert.deepEqual(parseSort('-started'), {field: 'started', descending: true})
    assert.deepEqual(parseSort('duration'), {field: 'duration', descending: false})
    assert.throws(() => parseSort('colour'), /--sort "colour"/)
  })
})

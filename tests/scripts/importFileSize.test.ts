/** A file too large for one transaction is refused from its size alone, before it is read. */
import {mkdtemp, rm, truncate, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {prepareFiles} from '../../scripts/import.ts'
import {TRANSACTION_LIMITS} from '../../scripts/lib/target.ts'

let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'import-size-'))
})

afterAll(async () => {
  await rm(work, {recursive: true, force: true})
})

it('refuses a file past the largest write by its size, naming the limit', async () => {
  const path = join(work, 'huge.txt')
  await writeFile(path, '')
  // Sparse: no disk used, and NUL bytes that reading would refuse for another reason.
  await truncate(path, TRANSACTION_LIMITS.requestBytes + 1)
  const {prepared, failures} = prepareFiles([{path, display: 'huge.txt'}], {asOf: '2025-07-20'})
  expect(prepared).toEqual([])
  expect(failures).toHaveLength(1)
  expect(failures[0]!.line).toBe(1)
  expect(failures[0]!.problem).toBe(
    `the file is too large: ${TRANSACTION_LIMITS.requestBytes + 1} bytes, and a write may be at ` +
      `most ${TRANSACTION_LIMITS.requestBytes}`,
  )
})

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

it('refuses a file of more documents than one transaction may write, before building them', async () => {
  const path = join(work, 'many-headlines.txt')
  // 10,001 related headlines, far under the byte limits: with the article and its source, more
  // documents than one write takes.
  const headlines = Array.from({length: 10_001}, (_, index) => `শিরোনাম ${index}`)
  await writeFile(
    path,
    `বড় খবর\n\nঢাকা, ১২ মার্চ (বাসস) : ঘটনা।\nসূত্র: বাসস।\n\n${headlines.join('\n\n')}\n`,
  )
  const {prepared, failures} = prepareFiles([{path, display: 'many-headlines.txt'}], {
    asOf: '2025-07-20',
  })
  expect(prepared).toEqual([])
  expect(failures).toHaveLength(1)
  expect(failures[0]!.line).toBe(1)
  expect(failures[0]!.problem).toBe(
    'the file is too large: its 10001 related headlines, 1 source, the article make up to 10003 ' +
      `mutations, and a write may hold at most ${TRANSACTION_LIMITS.writes}`,
  )
  expect(failures[0]!.fix).toMatch(/^Split the story into several files/)
})

it('counts the sources and the draft delete the transaction holds, not the headlines alone', async () => {
  const path = join(work, 'just-over.txt')
  // 9,999 headlines, the article, its source and, the article dated, the delete of a stale draft:
  // 10,002 mutations, which the lake refuses (10,001 undated: 'mutations in one request').
  const headlines = Array.from({length: 9_999}, (_, index) => `শিরোনাম ${index}`)
  await writeFile(
    path,
    `বড় খবর\n\nঢাকা, ১২ মার্চ (বাসস) : ঘটনা।\nসূত্র: বাসস।\n\n${headlines.join('\n\n')}\n`,
  )
  const {prepared, failures} = prepareFiles([{path, display: 'just-over.txt'}], {
    asOf: '2025-03-20',
  })
  expect(prepared).toEqual([])
  expect(failures.map(({problem}) => problem)).toEqual([
    expect.stringContaining(
      "the article and the delete of an earlier undated import's draft make up to 10002 mutations",
    ),
  ])
})

it('counts two names of one source as the one document they make', async () => {
  const path = join(work, 'one-source-twice.txt')
  // দৈনিক প্রথম আলো is one of প্রথম আলো's names: one source document, though their slugs differ.
  // 9,997 headlines, the article, the source and a stale draft's delete: 10,000 mutations, which
  // one write takes.
  const headlines = Array.from({length: 9_997}, (_, index) => `শিরোনাম ${index}`)
  await writeFile(
    path,
    `বড় খবর\n\nঢাকা, ১২ মার্চ (বাসস) : ঘটনা।\nসূত্র: প্রথম আলো, দৈনিক প্রথম আলো।\n\n${headlines.join('\n\n')}\n`,
  )
  const {prepared, failures} = prepareFiles([{path, display: 'one-source-twice.txt'}], {
    asOf: '2025-03-20',
  })
  expect(failures).toEqual([])
  expect(prepared).toHaveLength(1)
  const sources = prepared[0]!.docs.documents.filter(({_type}) => _type === 'source')
  expect(sources).toHaveLength(1)
})

/**
 * The import writes many files in one transaction (a write is one request and one commit, and at
 * 10,000 files one a transaction spent the run on round trips), each file whole or not at all: a
 * batch the lake refuses is sent again file by file, so that only the file it refuses fails.
 */
import {describe, expect, it} from 'vitest'
import {useImportLake} from '../helpers/importer.ts'

const fixture = useImportLake('import-batches-')

/** A dated story of its own title, credited to বাসস (the source the files share). */
const story = (n: number) =>
  `পৌরসভার নতুন সড়ক ${n}\n\nঢাকা, ১২ জুলাই (বাসস) : পৌরসভার ${n} নম্বর ওয়ার্ডে নতুন সড়ক খুলে দেওয়া হয়েছে।\nসূত্র: বাসস।\n`

const STORIES = {'a.txt': story(1), 'b.txt': story(2), 'c.txt': story(3)}

async function documentsOf(dataset: string) {
  return fixture.lake
    .client({dataset})
    .fetch<{_id: string; _type: string; _rev: string; title?: string}[]>(
      '*[!(_id in path("_.**"))]{_id, _type, _rev, title} | order(_id)',
      {},
      {perspective: 'raw'},
    )
}

describe('several files in one transaction', () => {
  it('writes the files of a run in one transaction, each counted once', async () => {
    const folder = await fixture.storiesFolder('shared', STORIES)
    const {code, stderr} = await fixture.importInto('shared', [folder, '--as-of', '2025-07-20'])
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/Imported 4 documents/)
    const documents = await documentsOf('shared')
    expect(documents.map(({_type}) => _type).sort()).toEqual([
      'article',
      'article',
      'article',
      'source',
    ])
    expect(new Set(documents.map(({_rev}) => _rev)).size).toBe(1)
  })

  it('--per-transaction 1 writes each file in a transaction of its own', async () => {
    const folder = await fixture.storiesFolder('single', STORIES)
    const {code, stderr} = await fixture.importInto('single', [
      folder,
      '--as-of',
      '2025-07-20',
      '--per-transaction',
      '1',
    ])
    expect(code, stderr).toBe(0)
    const articles = (await documentsOf('single')).filter(({_type}) => _type === 'article')
    expect(new Set(articles.map(({_rev}) => _rev)).size).toBe(3)
  })

  it('refuses a --per-transaction that is no count of files', async () => {
    const {code, stderr} = await fixture.importInto('refused', ['--per-transaction', '0'])
    expect(code).toBe(2)
    expect(stderr).toContain("--per-transaction takes a number of files from 1 to 99999, got '0'")
  })

  it('a file the lake refuses fails alone: the others of its batch are written', async () => {
    const dataset = 'refused-file'
    const folder = await fixture.storiesFolder('refused-file', STORIES)
    // b.txt's article id held by a document of another type: --replace would change its type,
    // which the lake refuses, as hosted Sanity does.
    const dry = await fixture.importInto(dataset, [folder, '--as-of', '2025-07-20', '--dry-run'])
    const article = dry.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as {_id: string; _type: string; title?: string})
      .find((document) => document.title === 'পৌরসভার নতুন সড়ক 2'.normalize('NFC'))!
    const client = fixture.lake.client({dataset})
    await client.create({_id: article._id, _type: 'note', title: 'অন্য কিছু'})

    const {code, stderr} = await fixture.importInto(dataset, [
      folder,
      '--as-of',
      '2025-07-20',
      '--replace',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/b\.txt: could not write \(/)
    expect(stderr).not.toMatch(/[ac]\.txt: could not write/)
    const documents = await documentsOf(dataset)
    expect(documents.filter(({_type}) => _type === 'article').map(({title}) => title)).toEqual(
      expect.arrayContaining(
        ['পৌরসভার নতুন সড়ক 1', 'পৌরসভার নতুন সড়ক 3'].map((t) => t.normalize('NFC')),
      ),
    )
    expect(documents.find(({_id}) => _id === article._id)).toMatchObject({_type: 'note'})
  })
})

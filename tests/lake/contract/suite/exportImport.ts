import {exportDataset} from '@sanity/export'
import {sanityImport} from '@sanity/import'
import {createReadStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'

/** Documents of a run-specific type, so the export (filtered by type) holds only ours. */
export function exportImportContract(target: GetTarget) {
  let dir: string
  let type: string
  let originals: Record<string, unknown>[]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lake-export-'))
    type = `${target().prefix}Export`
    const client = target().client()
    const tx = client.transaction()
    for (let n = 0; n < 25; n++) {
      tx.create({
        _id: `${target().prefix}-export-${String(n).padStart(2, '0')}`,
        _type: type,
        n,
        title: `শিরোনাম ${n}`,
        body: [{_key: `k${n}`, _type: 'block', text: 'লেখা'}],
        related: n > 0 ? {_type: 'reference', _ref: `${target().prefix}-export-00`} : undefined,
      })
    }
    tx.create({_id: `drafts.${target().prefix}-export-00`, _type: type, n: 0, title: 'খসড়া'})
    await tx.commit()
    originals = await client.fetch('*[_type == $type] | order(_id)', {type}, {perspective: 'raw'})
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  /** This run's documents, drafts included, as @sanity/export writes them (no assets). */
  const exportOurs = (outputPath: string, mode?: 'stream' | 'cursor') =>
    exportDataset({
      client: target().client(),
      dataset: target().dataset,
      outputPath,
      types: [type],
      assets: false,
      raw: true,
      drafts: true,
      ...(mode ? {mode} : {}),
    })

  for (const mode of ['stream', 'cursor'] as const) {
    test(`@sanity/export (${mode} mode) exports every document, drafts included`, async () => {
      const result = await exportOurs(join(dir, `${mode}.tar.gz`), mode)
      expect(result.documentCount).toBe(originals.length)
    })
  }

  test('the raw export endpoint pages with nextCursor until no cursor comes back', async () => {
    const ids: string[] = []
    let cursor = ''
    for (let page = 0; page < 50; page++) {
      const res = await target().request(
        `/data/export/${target().dataset}?types=${type}&nextCursor=${encodeURIComponent(cursor)}&pageSize=10`,
      )
      expect(res.status).toBe(200)
      const lines = (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
      const next = lines.find((line) => !('_id' in line) && typeof line.nextCursor === 'string')
      ids.push(...lines.filter((line) => '_id' in line).map((line) => line._id))
      if (!next) break
      cursor = next.nextCursor
    }
    expect(ids).toEqual(originals.map((doc) => doc._id))
  })

  test('@sanity/import brings an export back into an emptied dataset', async () => {
    const client = target().client()
    const outputPath = join(dir, 'roundtrip.tar.gz')
    await exportOurs(outputPath)
    await client.delete({query: '*[_type == $type]', params: {type}})
    expect(await client.fetch('count(*[_type == $type])', {type}, {perspective: 'raw'})).toBe(0)

    // @sanity/import types name its own nested copy of @sanity/client; the instance is the same API.
    const importClient = client as unknown as Parameters<typeof sanityImport>[1]['client']
    const result = await sanityImport(createReadStream(outputPath), {
      client: importClient,
      operation: 'create',
    })
    expect(result.numDocs).toBe(originals.length)
    const back = await client.fetch('*[_type == $type] | order(_id)', {type}, {perspective: 'raw'})
    const content = (doc: Record<string, unknown>) => {
      const {_rev, _updatedAt, ...rest} = doc
      void _rev
      void _updatedAt
      return rest
    }
    expect(back.map(content)).toEqual(originals.map(content))
  })
}

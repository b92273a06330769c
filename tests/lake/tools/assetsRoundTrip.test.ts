/**
 * A dataset with its images and files, moved as `sanity dataset export` and `sanity dataset import`
 * move one (their libraries, @sanity/export and @sanity/import, with their default options): the
 * export downloads each asset from the URL the lake gave it, the import uploads it to the other
 * dataset and points the documents at it. The contract suite's round trip leaves assets out.
 */
import {exportDataset} from '@sanity/export'
import {sanityImport} from '@sanity/import'
import {createReadStream, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake()
const image = readFileSync(new URL('../../fixtures/lead-image.png', import.meta.url))
const text = Buffer.from('সংবাদ বিজ্ঞপ্তি\n')
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assets-round-trip-'))
  const client = lake().client()
  const picture = await client.assets.upload('image', image, {filename: 'lead.png'})
  const file = await client.assets.upload('file', text, {filename: 'press.txt'})
  await client
    .transaction()
    .create({
      _id: 'article-1',
      _type: 'article',
      title: 'ছবির খবর',
      leadImage: {_type: 'image', alt: 'ছবি', asset: {_type: 'reference', _ref: picture._id}},
      attachment: {_type: 'file', asset: {_type: 'reference', _ref: file._id}},
    })
    .create({
      _id: 'drafts.article-1',
      _type: 'article',
      title: 'ছবির খবর (খসড়া)',
      leadImage: {_type: 'image', asset: {_type: 'reference', _ref: picture._id}},
    })
    .commit()
})
afterAll(() => rm(dir, {recursive: true, force: true}))

it('exports the assets with the documents and imports both into another dataset', async () => {
  const archive = join(dir, 'test.tar.gz')
  const exported = await exportDataset({
    client: lake().client(),
    dataset: 'test',
    outputPath: archive,
  })
  expect(exported).toMatchObject({documentCount: 2, assetCount: 2})

  const copy = lake().client({dataset: 'copy'})
  // @sanity/import types name its own nested copy of @sanity/client; the instance is the same API.
  const importClient = copy as unknown as Parameters<typeof sanityImport>[1]['client']
  const imported = await sanityImport(createReadStream(archive), {
    client: importClient,
    operation: 'create',
  })
  expect(imported).toMatchObject({numDocs: 2, warnings: []})

  const [published, draft] = await copy.fetch(
    `*[_type == "article"] | order(_id) {
      _id,
      "image": leadImage.asset->{_id, url, originalFilename, "width": metadata.dimensions.width},
      "file": attachment.asset->{_id, url, originalFilename}
    }`,
    {},
    {perspective: 'raw'},
  )
  const original = await lake()
    .client()
    .fetch('*[_id == "article-1"][0]{"image": leadImage.asset->_id, "file": attachment.asset->_id}')
  expect(published).toMatchObject({
    _id: 'article-1',
    image: {_id: original.image, originalFilename: 'lead.png', width: 160},
    file: {_id: original.file, originalFilename: 'press.txt'},
  })
  expect(draft).toMatchObject({_id: 'drafts.article-1', image: {_id: original.image}})
  // The copy's own URLs serve the same bytes.
  for (const [url, bytes] of [
    [published.image.url, image],
    [published.file.url, text],
  ] as const) {
    expect(url).toContain('/copy/')
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true)
  }
})

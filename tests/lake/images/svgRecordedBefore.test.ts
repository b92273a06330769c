/**
 * An SVG stored by a lake before SVGs were recorded at their drawn size keeps the size its header
 * gave (`width="20in"` recorded 20×20, in its id, path and URL, which documents reference), while
 * the renderer draws it 1440×1440: its renditions must be limited by what is drawn, not by the
 * name. The old record is written here as that lake wrote it: the file under the old name and the
 * asset document with the old id, path, url and dimensions.
 */
import {copyFileSync} from 'node:fs'
import {join} from 'node:path'
import type {SanityImageAssetDocument} from '@sanity/client'
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let old: SanityImageAssetDocument

// 1 MP: the 1440×1440 (2 MP) drawing is past it, a 720×720 rendition within it.
const MAX_PIXELS = 1_000_000

beforeAll(async () => {
  lake = await startTestLake({tls: false, env: {LAKE_IMAGE_MAX_PIXELS: String(MAX_PIXELS)}})
  const client = lake.client({apiVersion: '2026-05-04'})
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="20in" height="20in"><rect width="10" height="10" fill="#c00"/></svg>',
  )
  const now = await client.assets.upload('image', svg, {filename: 'মানচিত্র.svg'})
  expect(now.metadata.dimensions).toMatchObject({width: 1440, height: 1440})
  const rename = (text: string) => text.replace('-1440x1440', '-20x20')
  old = {
    ...now,
    _id: rename(now._id),
    path: rename(now.path),
    url: rename(now.url),
    metadata: {
      ...now.metadata,
      dimensions: {...now.metadata.dimensions, width: 20, height: 20, aspectRatio: 1},
    },
  }
  const folder = join(lake.dataDir, 'assets', 'local', 'test', 'images')
  copyFileSync(join(folder, now.path.split('/').pop()!), join(folder, old.path.split('/').pop()!))
  const {_rev, _createdAt, _updatedAt, ...written} = old
  void [_rev, _createdAt, _updatedAt]
  await client.create(written)
})

afterAll(async () => {
  await lake?.close()
})

it('the old record is served: its original as stored', async () => {
  const res = await fetch(old.url)
  expect(res.status).toBe(200)
  expect(await res.text()).toContain('width="20in"')
})

it.each(['fm=png', 'fm=webp', 'fm=png&dpr=2', 'fm=png&min-w=30'])(
  'a rendition past the limit of what is drawn is a 400 (%s)',
  async (query) => {
    const res = await fetch(`${old.url}?${query}`)
    const text = await res.text()
    expect(res.status, text.slice(0, 200)).toBe(400)
    expect(text).toContain('1440×1440')
    expect(text).toContain('the largest the lake renders is')
  },
)

it('a rendition within the limit is still made, at the size asked for', async () => {
  const res = await fetch(`${old.url}?fm=png&w=720`)
  expect(res.status).toBe(200)
  const {width, height} = await sharp(Buffer.from(await res.arrayBuffer())).metadata()
  expect([width, height]).toEqual([720, 720])
  // A rectangle is of the drawn pixels, as the same SVG uploaded now is recorded.
  const corner = await fetch(`${old.url}?rect=0,0,20,20&fm=png`)
  expect(corner.status).toBe(200)
  const cut = await sharp(Buffer.from(await corner.arrayBuffer())).metadata()
  expect([cut.width, cut.height]).toEqual([20, 20])
})

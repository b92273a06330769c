/**
 * An SVG's recorded dimensions are the size its renditions are made at, whatever units it is sized
 * in: `width="100in"` was recorded 100×100 and rendered 7200×7200 (past the render limit, which
 * looked at the 100×100), and `10cm`×`5cm` recorded 100×100 and rendered 283×142.
 */
import type {SanityClient, SanityImageAssetDocument} from '@sanity/client'
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let client: SanityClient

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  client = lake.client({apiVersion: '2026-05-04'})
})

afterAll(async () => {
  await lake?.close()
})

const svg = (attributes: string) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" ${attributes}><rect width="10" height="10" fill="#c00"/></svg>`,
  )

const upload = (attributes: string): Promise<SanityImageAssetDocument> =>
  client.assets.upload('image', svg(attributes), {filename: 'মানচিত্র.svg'})

/** The PNG rendition's size, as an anonymous reader asks for it. */
async function rendered(asset: SanityImageAssetDocument): Promise<[number, number]> {
  const res = await fetch(`${asset.url}?fm=png`)
  const body = Buffer.from(await res.arrayBuffer())
  expect(res.status, body.toString()).toBe(200)
  const {width, height} = await sharp(body).metadata()
  return [width!, height!]
}

it.each([
  ['width="10cm" height="5cm"'],
  ['width="2in" height="1in"'],
  ['width="0.4in" height="0.5in"'],
  ['width="30mm" height="72pt"'],
  ['width="6pc" height="120px"'],
  ['width="100%" height="100%" viewBox="0 0 300 150"'],
  ['width="2in" viewBox="0 0 10 20"'],
  // The renderer reads these from the element's own font size and style, not the attributes alone.
  ['font-size="100" width="10em" height="1em"'],
  ['style="width:3in;height:1in" width="10" height="10"'],
])('%s: recorded as rendered', async (attributes) => {
  const asset = await upload(attributes)
  const {width, height, aspectRatio} = asset.metadata.dimensions
  expect([width, height]).toEqual(await rendered(asset))
  expect(aspectRatio).toBeCloseTo(width / height, 6)
  expect(asset._id).toMatch(new RegExp(`-${width}x${height}-svg$`))
})

it('applies the render limit to what would be rendered', async () => {
  const asset = await upload('width="100in" height="100in"')
  expect(asset.metadata.dimensions).toMatchObject({width: 7200, height: 7200})
  const res = await fetch(`${asset.url}?fm=png`)
  expect(res.status).toBe(400)
  expect(await res.text()).toContain('the largest the lake renders is')
  // A rendition within the limit is still made.
  const small = await fetch(`${asset.url}?fm=png&w=720`)
  expect(small.status).toBe(200)
  const {width, height} = await sharp(Buffer.from(await small.arrayBuffer())).metadata()
  expect([width, height]).toEqual([720, 720])
})

/**
 * Images cannot stall or bloat the lake (audit of the image pipeline), over a lake process as a
 * developer runs it:
 * - a header declaring more pixels than the lake decodes, or a file its decoder refuses, is a 400 at
 *   upload and nothing is stored; a stored image the decoder refuses renders as a 422, never a 500;
 * - a rectangle or rotation of a large image does not decode the whole image into memory;
 * - sharp's work (uploads and renders) runs through one bounded queue, so durable writes keep
 *   committing while large images decode (with every decode in libuv's pool a write once waited
 *   15.7 s behind them);
 * - uploads cut short by a crash leave nothing in the staging folder after a restart.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {crc32, deflateSync} from 'node:zlib'
import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'

let lake: LakeProcess
let dataDir: string
let api: string
let auth: Record<string, string>

async function start(env: Record<string, string> = {}): Promise<void> {
  lake = await startLakeProcess({
    dataDir,
    tls: false,
    env: {...process.env, LAKE_ADMIN_PASSWORD: 'images-test-password', ...env},
  })
  api = `${lake.url}/v2025-02-19`
  auth = {authorization: `Bearer ${lake.token}`}
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-images-'))
  await start()
})

afterAll(async () => {
  await lake?.stop()
  await rm(dataDir, {recursive: true, force: true})
})

interface Uploaded {
  status: number
  body: {document?: {_id: string; url: string}; message?: string; details?: string}
}

async function upload(bytes: Buffer): Promise<Uploaded> {
  const res = await fetch(`${api}/assets/images/test`, {
    method: 'POST',
    headers: {...auth, 'content-type': 'image/png'},
    body: new Uint8Array(bytes),
  })
  return {status: res.status, body: (await res.json()) as Uploaded['body']}
}

async function imageAssets(): Promise<number> {
  const query = encodeURIComponent('count(*[_type == "sanity.imageAsset"])')
  const res = await fetch(`${api}/data/query/test?query=${query}`, {headers: auth})
  return ((await res.json()) as {result: number}).result
}

/** Every stored asset file of dataset `test` (staging and caches aside). */
function storedFiles(): string[] {
  const dir = join(dataDir, 'assets', 'local', 'test', 'images')
  return existsSync(dir) ? readdirSync(dir) : []
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body) >>> 0)
  return Buffer.concat([length, body, crc])
}

/** A hand-made RGB PNG: its header declares `width`×`height`, its IDAT holds `idat`. */
function png(width: number, height: number, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function flat(width: number, height: number, colour: string, interlaced = false) {
  return sharp({create: {width, height, channels: 3, background: colour}})
    .png({compressionLevel: 9, progressive: interlaced})
    .toBuffer()
}

/** The lake's peak resident memory so far (VmHWM), in MB. */
function peakMb(): number {
  const status = readFileSync(`/proc/${lake.child.pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024
}

describe('images the lake cannot decode', () => {
  it('a header declaring 50,000×50,000 pixels is a 400 saying the limit, and nothing is stored', async () => {
    const bomb = png(50_000, 50_000, deflateSync(Buffer.alloc(1000)))
    expect(bomb.length).toBeLessThan(100)
    const {status, body} = await upload(bomb)
    expect(status).toBe(400)
    expect(body.message).toMatch(/50000×50000 pixels/)
    expect(body.message).toMatch(/at most 100 megapixels/)
    expect(body.message).toMatch(/LAKE_IMAGE_MAX_SOURCE_PIXELS/)
    expect(body.message).toMatch(/Nothing was stored; scale the image down/)
    expect(await imageAssets()).toBe(0)
    expect(storedFiles()).toEqual([])
  })

  it('a truncated image is a 400 from its decoder, and nothing is stored', async () => {
    const rows = Buffer.alloc((2000 * 3 + 1) * 300) // 300 of 2,000 rows
    const {status, body} = await upload(png(2000, 2000, deflateSync(rows)))
    expect(status).toBe(400)
    expect(body.message).toMatch(/^Invalid image, could not read metadata: .+Nothing was stored/)
    // Sanity's body: the decoder's own words as `details` too.
    expect(body.details).toBeTruthy()
    expect(body.message).toContain(body.details)
    expect(await imageAssets()).toBe(0)
    expect(storedFiles()).toEqual([])
  })

  it('a stored image its decoder refuses renders as a 422, not a 500', async () => {
    const {status, body} = await upload(await flat(300, 200, '#204060'))
    expect(status).toBe(200)
    const url = body.document!.url
    // As a file stored by an older lake that did not decode at upload: cut short on disk.
    const name = url.split('/').pop()!
    const path = join(dataDir, 'assets', 'local', 'test', 'images', name)
    writeFileSync(path, readFileSync(path).subarray(0, 60))
    for (const query of ['w=100', 'rect=0,0,10,10', 'w=50&or=90']) {
      const res = await fetch(`${url}?${query}`)
      const answer = (await res.json()) as {message: string}
      expect(res.status, query).toBe(422)
      expect(answer.message).toMatch(
        /^The stored image cannot be rendered: .+Upload the image again/,
      )
    }
  })
})

describe('a large image', () => {
  it('is cut and turned without decoding all of it', async () => {
    // 64 million pixels: 192 MB as the RGB buffer a whole-image decode makes.
    const {status, body} = await upload(await flat(8000, 8000, '#3366aa'))
    expect(status).toBe(200)
    const url = body.document!.url
    const before = peakMb()
    for (const query of ['rect=0,0,10,10', 'rect=7990,7990,10,10&w=5', 'w=100&or=90']) {
      const res = await fetch(`${url}?${query}`)
      expect(res.status, query).toBe(200)
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata()
      expect(meta.width, query).toBeLessThanOrEqual(100)
    }
    expect(peakMb() - before).toBeLessThan(96)
  })
})

describe('sharp work and durable writes', () => {
  it('writes keep committing while four uploads and four renders of large images decode', async () => {
    const seed = await upload(await flat(5000, 5000, '#102030'))
    expect(seed.status).toBe(200)
    // Interlaced PNGs cannot be decoded a few rows at a time: each decode is the whole image.
    const images = await Promise.all(
      ['#112233', '#223344', '#334455', '#445566'].map((c) => flat(5000, 5000, c, true)),
    )
    let done = false
    const load = Promise.all([
      ...images.map((bytes) => upload(bytes)),
      ...[1, 2, 3, 4].map((i) =>
        fetch(`${seed.body.document!.url}?w=100&or=90&q=${50 + i}`).then(async (res) => {
          await res.arrayBuffer()
          return res.status
        }),
      ),
    ]).finally(() => (done = true))
    let committed = 0
    while (!done) {
      const res = await fetch(`${api}/data/mutate/test`, {
        method: 'POST',
        headers: {...auth, 'content-type': 'application/json'},
        body: JSON.stringify({
          mutations: [{createOrReplace: {_id: `note-${committed % 10}`, _type: 'note', committed}}],
        }),
      })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      committed++
    }
    const answers = await load
    expect(answers.slice(0, 4).map((a) => (a as Uploaded).status)).toEqual([200, 200, 200, 200])
    expect(answers.slice(4)).toEqual([200, 200, 200, 200])
    // With the decodes in every thread of libuv's pool, each commit's fdatasync waited for one of
    // them to end: a handful of writes in the whole load.
    expect(committed).toBeGreaterThanOrEqual(20)
  })
})

describe('uploads cut short', () => {
  it('leave nothing staged after a restart', async () => {
    const incoming = join(dataDir, 'assets', '.incoming')
    mkdirSync(incoming, {recursive: true})
    writeFileSync(join(incoming, 'cut-by-sigkill'), Buffer.alloc(1024))
    await lake.kill()
    await start()
    expect(existsSync(join(incoming, 'cut-by-sigkill'))).toBe(false)
  })
})

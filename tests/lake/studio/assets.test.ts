/**
 * Asset upload and download as the Studio and @sanity/client do them: the hash lookup before
 * uploading, Sanity's id format and metadata, the bytes served back on the apiHost (HTTP/2 and
 * HTTP/1.1), and grants on upload.
 */
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {SanityClient, SanityImageAssetDocument} from '@sanity/client'
import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {UploadTooLargeError} from '../../../lake/assets/assetFiles.ts'
import {readImageInfo} from '../../../lake/assets/imageInfo.ts'
import {AuthError, PermissionError} from '../../../lake/core/errors.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {TRANSPORTS} from './transport.ts'

const PNG = readFileSync(new URL('../../fixtures/lead-image.png', import.meta.url))
const PNG_SHA1 = createHash('sha1').update(PNG).digest('hex')

let lake: TestLake
let client: SanityClient

beforeAll(async () => {
  lake = await startTestLake()
  client = lake.client({apiVersion: '2026-05-04'})
})

afterAll(async () => {
  await lake?.close()
})

/** The Studio's duplicate check before an upload (tag asset.find-duplicate). */
const findDuplicate = (documentType: string, hash: string) =>
  client.fetch('*[_type == $documentType && sha1hash == $hash][0]', {documentType, hash})

describe('image upload', () => {
  let asset: SanityImageAssetDocument

  it('finds no duplicate before the first upload', async () => {
    expect(await findDuplicate('sanity.imageAsset', PNG_SHA1)).toBeNull()
  })

  it('creates a sanity.imageAsset with the id, dimensions and URL the Studio reads', async () => {
    asset = await client.assets.upload('image', PNG, {filename: 'প্রধান-ছবি.png', title: 'প্রচ্ছদ'})
    expect(asset._id).toBe(`image-${PNG_SHA1}-160x90-png`)
    expect(asset).toMatchObject({
      _type: 'sanity.imageAsset',
      assetId: PNG_SHA1,
      sha1hash: PNG_SHA1,
      extension: 'png',
      mimeType: 'image/png',
      originalFilename: 'প্রধান-ছবি.png',
      title: 'প্রচ্ছদ',
      size: PNG.length,
      path: `images/local/test/${PNG_SHA1}-160x90.png`,
      url: `${lake.url}/images/local/test/${PNG_SHA1}-160x90.png`,
      metadata: {
        _type: 'sanity.imageMetadata',
        dimensions: {
          _type: 'sanity.imageDimensions',
          width: 160,
          height: 90,
          aspectRatio: 160 / 90,
        },
        hasAlpha: false,
        isOpaque: true,
      },
    })
    expect(asset._rev).toEqual(expect.any(String))
  })

  it('is found by the hash lookup, in queries and in history', async () => {
    expect(await findDuplicate('sanity.imageAsset', PNG_SHA1)).toMatchObject({_id: asset._id})
    const res = await fetch(
      `${lake.url}/v2025-02-19/data/history/test/documents/${asset._id}?revision=${asset._rev}`,
      {headers: {authorization: `Bearer ${lake.token}`}},
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as {documents: {_id: string}[]}
    expect(body.documents[0]._id).toBe(asset._id)
  })

  it('returns the existing document when the same bytes come again', async () => {
    const again = await client.assets.upload('image', PNG, {filename: 'copy.png'})
    expect(again._id).toBe(asset._id)
    expect(again._rev).toBe(asset._rev)
  })

  it.each(TRANSPORTS)(
    'serves the bytes at the asset URL over $name, and a rendition with transforms',
    async ({make}) => {
      const t = make()
      try {
        const res = await t.request(asset.url)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('image/png')
        expect(Number(res.headers.get('content-length'))).toBe(PNG.length)
        expect(res.headers.get('cache-control')).toContain('immutable')
        const rendition = await t.request(`${asset.url}?w=33&h=33&fit=crop&auto=format&dpr=2`)
        expect(rendition.status).toBe(200)
        expect(rendition.headers.get('content-type')).toBe('image/png')
        expect(Number(rendition.headers.get('content-length'))).not.toBe(PNG.length)
      } finally {
        t.close()
      }
      const bytes = Buffer.from(await (await fetch(asset.url)).arrayBuffer())
      expect(bytes.equals(PNG)).toBe(true)
    },
  )

  it('answers 404 for a missing or malformed asset path', async () => {
    expect((await fetch(`${lake.url}/images/local/test/${'0'.repeat(40)}-1x1.png`)).status).toBe(
      404,
    )
    expect((await fetch(`${lake.url}/images/local/test/..%2F..%2Fauth.sqlite`)).status).toBe(404)
  })

  it('answers 404 for an asset URL whose dataset segment is no dataset name', async () => {
    // Before the route went through the dataset service, `Test` was a 400 and `.test` a 404.
    for (const dataset of ['Test', '.test', 'te.st', '_test', 'x'.repeat(65)]) {
      const res = await fetch(`${lake.url}/images/local/${dataset}/${PNG_SHA1}-160x90.png`)
      expect(res.status, dataset).toBe(404)
    }
  })
})

describe('the dataset service', () => {
  const editor = {id: 'e-service', kind: 'token', role: 'editor'} as const
  const bytes = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from(text))
        controller.close()
      },
    })
  const upload = (text: string) => ({
    kind: 'files' as const,
    body: bytes(text),
    contentType: 'text/plain',
    meta: {originalFilename: 'নোট.txt'},
    origin: 'http://localhost:1',
    maxBytes: 1024,
  })

  it('uploads, finds the file behind a URL name, and forgets it with its document', async () => {
    const service = lake.server.lake.datasets.get('test')
    const text = 'সেবা থেকে সরাসরি\n'
    const sha1 = createHash('sha1').update(text).digest('hex')
    const document = await service.uploadAsset(editor, upload(text))
    expect(document).toMatchObject({_id: `file-${sha1}-txt`, _type: 'sanity.fileAsset'})
    expect(await client.getDocument(document._id)).toEqual(document)
    const found = service.assetFile('files', 'local', `${sha1}.txt`)
    expect(found?.document).toEqual(document)
    expect(readFileSync(found!.path, 'utf8')).toBe(text)
    // Same bytes, same document, whoever uploads them.
    const again = await service.uploadAsset({...editor, id: 'other'}, upload(text))
    expect(again).toEqual(document)
    expect(service.assetFile('files', 'other-project', `${sha1}.txt`)).toBeNull()
    expect(service.assetFile('images', 'local', `${sha1}.txt`)).toBeNull()
    await client.delete(document._id)
    expect(service.assetFile('files', 'local', `${sha1}.txt`)).toBeNull()
  })

  it('refuses anonymous callers and viewers before reading the body', async () => {
    const service = lake.server.lake.datasets.get('test')
    let pulled = false
    // highWaterMark 0: pulled only when someone reads it.
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true
        },
      },
      {highWaterMark: 0},
    )
    const refused = (principal: Parameters<typeof service.uploadAsset>[0]) =>
      service.uploadAsset(principal, {...upload('x'), body})
    await expect(refused({id: 'anonymous', kind: 'anonymous', role: null})).rejects.toBeInstanceOf(
      AuthError,
    )
    await expect(refused({id: 'v', kind: 'token', role: 'viewer'})).rejects.toBeInstanceOf(
      PermissionError,
    )
    expect(pulled).toBe(false)
  })

  it('refuses an upload over the limit and keeps nothing of it', async () => {
    const service = lake.server.lake.datasets.get('test')
    await expect(
      service.uploadAsset(editor, {...upload('x'.repeat(2048)), maxBytes: 1000}),
    ).rejects.toBeInstanceOf(UploadTooLargeError)
    expect(readdirSync(join(lake.dataDir, 'assets', '.incoming'))).toEqual([])
  })
})

/**
 * The metadata an upload asks for (`client.assets.upload`'s `extract`, sent as `meta`): Sanity
 * derives `lqip`, `blurhash` and `palette` by default, only those asked for otherwise, and none
 * for `extract: []` (`meta=none`); `dimensions`, `hasAlpha` and `isOpaque` always.
 */
describe('the metadata an upload extracts', () => {
  let shade = 0
  /** An image no other test uploads (same bytes would be the same asset, its metadata kept). */
  const freshImage = () =>
    sharp({create: {width: 6, height: 4, channels: 3, background: {r: 40, g: ++shade, b: 90}}})
      .png()
      .toBuffer()
  const derivedOf = async (extract?: Parameters<typeof client.assets.upload>[2]) => {
    const asset = await client.assets.upload('image', await freshImage(), extract)
    const metadata = asset.metadata as unknown as Record<string, unknown>
    expect(metadata).toMatchObject({
      dimensions: {width: 6, height: 4},
      hasAlpha: false,
      isOpaque: true,
    })
    return ['lqip', 'blurHash', 'palette'].filter((name) => name in metadata)
  }

  it('lqip, blurHash and palette by default', async () => {
    expect(await derivedOf()).toEqual(['lqip', 'blurHash', 'palette'])
  })

  it('only those asked for', async () => {
    expect(await derivedOf({extract: ['lqip']})).toEqual(['lqip'])
    expect(await derivedOf({extract: ['palette', 'blurhash']})).toEqual(['blurHash', 'palette'])
  })

  it('none for extract: [] (meta=none)', async () => {
    expect(await derivedOf({extract: []})).toEqual([])
  })
})

describe('file upload', () => {
  it('creates a sanity.fileAsset with file-<sha1>-<ext> and serves it', async () => {
    const text = Buffer.from('সংবাদ বিজ্ঞপ্তি\n')
    const sha1 = createHash('sha1').update(text).digest('hex')
    const asset = await client.assets.upload('file', text, {
      filename: 'বিজ্ঞপ্তি.txt',
      contentType: 'text/plain',
    })
    expect(asset).toMatchObject({
      _id: `file-${sha1}-txt`,
      _type: 'sanity.fileAsset',
      sha1hash: sha1,
      extension: 'txt',
      mimeType: 'text/plain',
      url: `${lake.url}/files/local/test/${sha1}.txt`,
    })
    const res = await fetch(`${asset.url}?dl=বিজ্ঞপ্তি.txt`)
    expect(Buffer.from(await res.arrayBuffer()).equals(text)).toBe(true)
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''")
  })

  it('refuses an image upload that is not an image', async () => {
    await expect(
      client.assets.upload('image', Buffer.from('not an image'), {filename: 'x.png'}),
    ).rejects.toMatchObject({statusCode: 400})
  })
})

describe('grants on upload', () => {
  it('refuses viewers (403) and anonymous callers (401); contributors may upload', async () => {
    const auth = lake.server.lake.auth!.store
    const viewer = lake.client({
      token: (await auth.createToken({label: 'v', role: 'viewer'})).token,
    })
    await expect(viewer.assets.upload('image', PNG)).rejects.toMatchObject({statusCode: 403})
    await expect(lake.client({token: undefined}).assets.upload('image', PNG)).rejects.toMatchObject(
      {
        statusCode: 401,
      },
    )
    const contributor = lake.client({
      token: (await auth.createToken({label: 'c', role: 'contributor'})).token,
    })
    const gif = Buffer.from(
      'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
      'base64',
    )
    const asset = await contributor.assets.upload('image', gif, {filename: 'dot.gif'})
    expect(asset._id).toMatch(/^image-[0-9a-f]{40}-1x1-gif$/)
    expect(asset.metadata.hasAlpha).toBe(true)
  })
})

describe('image headers', () => {
  it('reads PNG, JPEG (with EXIF rotation), GIF, WebP and SVG sizes', () => {
    expect(readImageInfo(PNG)).toMatchObject({format: 'png', width: 160, height: 90})
    const jpeg = Buffer.from(
      'ffd8' +
        // APP1 EXIF, big-endian, one IFD entry: orientation 6 (rotated 90°)
        'ffe1002245786966000' +
        '04d4d002a00000008000101120003000000010006000000000000' +
        // SOF0: precision 8, height 20, width 10
        'ffc0000b080014000a01011100' +
        'ffd9',
      'hex',
    )
    expect(readImageInfo(jpeg)).toMatchObject({format: 'jpg', width: 20, height: 10})
    const webp = Buffer.from(
      '524946461a000000574542505650384c0d0000002f0740000000000000000000000000',
      'hex',
    )
    expect(readImageInfo(webp)).toMatchObject({format: 'webp', width: 8, height: 2})
    const svg = Buffer.from(
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"/>',
    )
    expect(readImageInfo(svg)).toMatchObject({format: 'svg', width: 300, height: 150})
    // Absolute units at the renderer's 72 dpi: the header's estimate, refused early when huge.
    const inches = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100in" height="10cm"/>',
    )
    expect(readImageInfo(inches)).toMatchObject({format: 'svg', width: 7200, height: 283})
    expect(readImageInfo(Buffer.from('hello'))).toBeNull()
  })
})

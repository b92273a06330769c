/**
 * Asset upload (`POST /v{ver}/assets/images|files/{dataset}`, body = the raw bytes) and download
 * (`GET /images/{projectId}/{dataset}/{file}`, `GET /files/…` on the apiHost, outside the versioned
 * API). The asset document is written through a normal lake transaction, so queries, listeners and
 * history see it, and the Studio's duplicate check (`sha1hash == $hash`) finds it.
 */
import {statSync} from 'node:fs'
import {Hono, type Context} from 'hono'
import {contentTypeFor, type UploadMeta} from '../../assets/assetDocument.ts'
import type {AssetKind} from '../../assets/assetFiles.ts'
import {DERIVED_NAMES, type DerivedName} from '../../assets/upload.ts'
import {NotFoundError} from '../../core/errors.ts'
import type {SanityDocument} from '../../core/types.ts'
import {invalidDatasetReason} from '../../../kit/sanityIds.ts'
import {datasetOf, lakeOf, param} from '../context.ts'
import {arrivingBody, declaredLength} from '../nodeRequest.ts'
import {checkStillSignedIn, getPrincipal, streamHolder} from '../principal.ts'
import {apiHostOf, studioOf} from '../studioContext.ts'
import {imageRendition} from './images.ts'
import {servedFile} from '../byteRange.ts'
import {answerAnyOrigin} from '../cors.ts'
import {withCharset} from '../../assets/textCharset.ts'

/** Largest accepted upload; LAKE_MAX_UPLOAD_BYTES overrides (default 512 MiB). */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024

function maxUploadBytes(): number {
  const configured = Number(process.env.LAKE_MAX_UPLOAD_BYTES)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES
}

/** Upload routes, relative to `/v{apiVersion}`. */
export function assetUploadRoutes(): Hono {
  const app = new Hono()
  app.post('/assets/:kind{images|files}/:dataset', async (c) => {
    const {projectId} = lakeOf(c).config
    const dataset = await datasetOf(c)
    const document = await dataset.uploadAsset(getPrincipal(c), {
      kind: c.req.param('kind') as AssetKind,
      // At the pace every body must keep, else a 408 and nothing stored (nodeRequest.ts).
      body: arrivingBody(c, lakeOf(c).bodyArrival),
      contentType: c.req.header('content-type')?.split(';')[0].trim().toLowerCase(),
      meta: uploadMeta(c),
      derive: derivedAskedFor(c),
      origin: assetOrigin(c, projectId),
      maxBytes: maxUploadBytes(),
      space: lakeOf(c).uploads,
      caller: streamHolder(c),
      declaredBytes: declaredLength(c),
      maxSourcePixels: lakeOf(c).images.limits.maxSourcePixels,
      signedIn: () => checkStillSignedIn(c),
    })
    return c.json({document})
  })
  return app
}

/** Host names an asset URL may name without a configured public URL: this machine's own. */
const LOOPBACK = /^(localhost|[a-z0-9-]+\.localhost|127\.0\.0\.1|\[::1\])$/i

/**
 * The origin stored in an asset document's `url`. The first upload of some bytes fixes it for
 * everyone (same bytes, same document), so it must not come from a caller's Host header: it is
 * the configured public URL, or the request's host only when that names this machine (else
 * localhost), on the port the connection came in on.
 */
function assetOrigin(c: Context, projectId: string): string {
  if (studioOf(c).publicUrl) return apiHostOf(c, projectId)
  const origin = new URL(apiHostOf(c, projectId))
  if (!LOOPBACK.test(origin.hostname)) origin.hostname = 'localhost'
  // The port the connection really came in on, not the one the Host header claims.
  const port = (c.env as {incoming?: {socket?: {localPort?: number}}} | undefined)?.incoming?.socket
    ?.localPort
  if (port) origin.port = String(port)
  return origin.origin
}

/**
 * The derived metadata an upload asks for: `meta` repeated or comma-separated (`@sanity/client`'s
 * `extract`; `none` for `extract: []`), the default set when absent. Names the lake does not
 * derive (`exif`, `location`, `image`) ask for nothing more.
 */
function derivedAskedFor(c: Context): ReadonlySet<DerivedName> | undefined {
  const asked = c.req.queries('meta')?.flatMap((value) => value.split(','))
  if (!asked) return undefined
  const names = asked.map((name) => name.trim())
  return new Set([...DERIVED_NAMES].filter((name) => names.includes(name)))
}

function uploadMeta(c: Context): UploadMeta {
  const q = (name: string) => param(c, name)?.trim() || undefined
  const meta: UploadMeta = {
    originalFilename: q('filename'),
    label: q('label'),
    title: q('title'),
    description: q('description'),
    creditLine: q('creditLine'),
  }
  const sourceName = q('sourceName')
  if (sourceName) meta.source = {name: sourceName, id: q('sourceId'), url: q('sourceUrl')}
  return meta
}

/**
 * Downloads at `/images/…` and `/files/…`. Like Sanity's CDN these need no token (an <img> cannot
 * send one); asset names are content hashes. Image transform parameters (w, h, fit, auto, dpr,
 * rect, …) are answered by routes/images.ts. A deleted asset document's file is gone (404).
 *
 * Any project id in the path is the lake's one project, as its queries answer a client of any
 * projectId: a config copied from hosted Sanity builds its image URLs with its own. A last
 * segment after the file's name is a vanity name (@sanity/image-url `vanityName`): the same
 * bytes, and the name of an empty `?dl=`'s download.
 */
export function assetDownloadRoutes(): Hono {
  const app = new Hono()
  app.get('/:kind{images|files}/:projectId/:dataset/:name/:vanity?', async (c) => {
    const kind = c.req.param('kind') as AssetKind
    const dataset = c.req.param('dataset')
    const name = c.req.param('name')
    const vanity = c.req.param('vanity') || undefined
    // Any origin may read them, images as files, renditions as originals (a canvas, fetch(), a
    // COEP page): the URL alone already gives the bytes to anyone, of a private dataset too, as
    // on Sanity's CDN. Credentials are never needed.
    answerAnyOrigin(c)
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    // A URL naming no dataset names no asset either: a 404, as for any other unknown file.
    let found = null
    if (!invalidDatasetReason(dataset)) {
      const service = lakeOf(c).dataset(dataset)
      // After its upgrade, as the routes of datasetOf: a read during it is a 503, which an <img>
      // does not retry.
      await service.ready()
      found = service.assetFile(kind, lakeOf(c).config.projectId, name)
    }
    if (!found) throw new NotFoundError(`Asset not found: ${kind}/${name}`)
    const {path, document: asset} = found
    if (kind === 'images') {
      const rendition = await imageRendition(c, path, name)
      if (rendition) {
        const format = RENDITION_EXTENSIONS[rendition.headers.get('content-type') ?? '']
        const disposition = downloadDisposition(c, asset, name, format, vanity)
        if (disposition) rendition.headers.set('Content-Disposition', disposition)
        return rendition
      }
    }
    const extension = name.split('.').pop() ?? ''
    const size = statSync(path).size
    c.header('Content-Type', await withCharset(contentTypeFor(extension), path))
    // Content-addressed: the bytes behind a name never change.
    c.header('Cache-Control', 'public, max-age=31536000, immutable')
    c.header('X-Content-Type-Options', 'nosniff')
    if (extension === 'svg')
      c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
    const disposition = downloadDisposition(c, asset, name, undefined, vanity)
    if (disposition) c.header('Content-Disposition', disposition)
    // The name is the content's hash: a strong validator.
    return servedFile(c, path, size, `"${name}"`)
  })
  return app
}

/** What a rendition's Content-Type is saved as. */
const RENDITION_EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'gif',
}

/**
 * `?dl=` (with or without image transforms, as on Sanity's CDN) makes the answer a download:
 * under the given name, or, when empty, the URL's vanity name or else the name it was uploaded
 * with; a rendition in another format gets that format's extension.
 */
function downloadDisposition(
  c: Context,
  asset: SanityDocument,
  name: string,
  format?: string,
  vanity?: string,
): string | null {
  const dl = param(c, 'dl')
  if (dl === undefined) return null
  const original = typeof asset.originalFilename === 'string' ? asset.originalFilename : ''
  // A path or a line break is no part of a file's name (RFC 6266 §4.3), nor a bidi override
  // ('ক\u202etxt.exe' shows as 'কexe.txt'); the joiners Bengali spells with stay.
  let filename = (dl || vanity || original || name).replace(
    /[\p{Cc}/\\]|(?![\u200c\u200d])\p{Cf}/gu,
    '_',
  )
  if (!dl && format && !filename.toLowerCase().endsWith(`.${format}`)) {
    const dot = filename.lastIndexOf('.')
    filename = `${dot > 0 ? filename.slice(0, dot) : filename}.${format}`
  }
  filename = shortened(filename)
  // `%` too: some browsers decode %-escapes in the plain parameter.
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  // RFC 8187's attr-char leaves out ' ( ) *, which encodeURIComponent keeps.
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/**
 * A download's name, in UTF-8: what most file systems take for one, and its header (the name
 * twice, once %-escaped) fits any client's header limit. A longer `dl` made a header fetch and
 * Node refuse to read (past 16 KiB).
 */
const MAX_DOWNLOAD_NAME_BYTES = 255

/** A name past MAX_DOWNLOAD_NAME_BYTES (given or stored) cut in whole graphemes, its extension kept. */
function shortened(filename: string): string {
  if (Buffer.byteLength(filename) <= MAX_DOWNLOAD_NAME_BYTES) return filename
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(filename)?.[0] ?? ''
  let left = MAX_DOWNLOAD_NAME_BYTES - extension.length
  let stem = ''
  const stemText = filename.slice(0, filename.length - extension.length)
  for (const {segment} of new Intl.Segmenter('bn', {granularity: 'grapheme'}).segment(stemText)) {
    left -= Buffer.byteLength(segment)
    if (left < 0) break
    stem += segment
  }
  return stem + extension
}

/**
 * Sanity's asset documents: ids the image URL builder can parse (`image-<sha1>-<w>x<h>-<ext>`,
 * `file-<sha1>-<ext>`), the URL path under the apiHost, and the metadata the Studio reads.
 */
import type {SanityDocument} from '../core/types.ts'
import type {AssetKind} from './assetFiles.ts'
import type {ImageInfo} from './imageInfo.ts'

export interface UploadMeta {
  originalFilename?: string
  label?: string
  title?: string
  description?: string
  creditLine?: string
  source?: {name: string; id?: string; url?: string}
}

export interface AssetTarget {
  kind: AssetKind
  id: string
  /** `images/<project>/<dataset>/<sha1>-<w>x<h>.<ext>` (no leading slash). */
  path: string
  /** File name under the dataset's kind folder. */
  fileName: string
  extension: string
  mimeType: string
}

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
}

/** The content type to serve a stored asset with, from its extension. */
export function contentTypeFor(extension: string): string {
  return MIME_BY_EXTENSION[extension.toLowerCase()] ?? 'application/octet-stream'
}

/** A safe lower-case extension from a file name, else from the MIME type, else `bin`. */
export function fileExtension(filename: string | undefined, mimeType: string | undefined): string {
  const fromName = filename?.match(/\.([A-Za-z0-9]{1,10})$/)?.[1]?.toLowerCase()
  if (fromName) return fromName
  const fromMime = Object.entries(MIME_BY_EXTENSION).find(([, mime]) => mime === mimeType)?.[0]
  return fromMime ?? 'bin'
}

export function imageTarget(
  projectId: string,
  dataset: string,
  sha1: string,
  info: ImageInfo,
): AssetTarget {
  const extension = info.format
  const fileName = `${sha1}-${info.width}x${info.height}.${extension}`
  return {
    kind: 'images',
    id: `image-${sha1}-${info.width}x${info.height}-${extension}`,
    path: `images/${projectId}/${dataset}/${fileName}`,
    fileName,
    extension,
    mimeType: info.mimeType,
  }
}

export function fileTarget(
  projectId: string,
  dataset: string,
  sha1: string,
  extension: string,
  mimeType: string,
): AssetTarget {
  const fileName = `${sha1}.${extension}`
  return {
    kind: 'files',
    id: `file-${sha1}-${extension}`,
    path: `files/${projectId}/${dataset}/${fileName}`,
    fileName,
    extension,
    mimeType,
  }
}

export function assetDocument(input: {
  target: AssetTarget
  apiHost: string
  sha1: string
  size: number
  uploadId: string
  meta: UploadMeta
  image?: ImageInfo
}): SanityDocument {
  const {target, meta, image} = input
  const doc: SanityDocument = {
    _id: target.id,
    _type: target.kind === 'images' ? 'sanity.imageAsset' : 'sanity.fileAsset',
    assetId: input.sha1,
    sha1hash: input.sha1,
    extension: target.extension,
    mimeType: target.mimeType,
    originalFilename: meta.originalFilename ?? target.fileName,
    path: target.path,
    url: `${input.apiHost}/${target.path}`,
    size: input.size,
    uploadId: input.uploadId,
  }
  for (const key of ['label', 'title', 'description', 'creditLine'] as const) {
    if (meta[key]) doc[key] = meta[key]
  }
  if (meta.source?.name) doc.source = {...meta.source}
  if (image) {
    doc.metadata = {
      _type: 'sanity.imageMetadata',
      dimensions: {
        _type: 'sanity.imageDimensions',
        width: image.width,
        height: image.height,
        aspectRatio: image.width / image.height,
      },
      hasAlpha: image.hasAlpha,
      // Decided from the header, not the pixels: an alpha channel counts as not opaque.
      isOpaque: !image.hasAlpha,
    }
  }
  return doc
}

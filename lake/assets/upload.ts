/**
 * An upload's bytes to a stored file and the asset document that describes it, as Sanity builds
 * it; the dataset service writes the document (lake/dataset.ts).
 */
import {existsSync} from 'node:fs'
import {BadRequestError, InvalidImageError} from '../core/errors.ts'
import {randomId} from '../core/ids.ts'
import type {SanityDocument} from '../core/types.ts'
import {
  assetDocument,
  contentTypeFor,
  fileExtension,
  fileTarget,
  imageTarget,
  type UploadMeta,
} from './assetDocument.ts'
import {assetFilePath, stageUpload, storeUpload, type AssetKind} from './assetFiles.ts'
import {deriveImageMetadata, svgRenderedSize} from './imageMetadata.ts'
import {readImageInfo} from './imageInfo.ts'
import {DEFAULT_IMAGE_LIMITS} from './imageTransform.ts'
import {assetIdForFile} from './assetSweep.ts'
import type {UploadSpace} from './uploadSpace.ts'

export interface AssetUpload {
  kind: AssetKind
  /** The file's bytes (the request body). */
  body: ReadableStream<Uint8Array> | null
  /** The Content-Type the client declared, lower case, without parameters. */
  contentType?: string
  meta: UploadMeta
  /**
   * The derived metadata asked for (the upload's `meta`); all three when not given. Sanity derives
   * only those asked for; `exif`, `location` and `image` the lake does not read.
   */
  derive?: ReadonlySet<DerivedName>
  /** The origin the document's `url` names. */
  origin: string
  /** Larger uploads are refused (UploadTooLargeError) and nothing is kept. */
  maxBytes: number
  /** The body's declared length (Content-Length), when it has one: past maxBytes, refused unread. */
  declaredBytes?: number | null
  /**
   * The disk space uploads may take (uploadSpace.ts): one that would leave less free than the
   * lake's reserve is refused before its body is read, or once it passes it as it streams.
   */
  space?: UploadSpace
  /** Who uploads, for the bound on one caller's uploads under way (principal.ts' streamHolder). */
  caller?: string
  /** Images of more pixels (width × height) are refused and nothing is kept (default 100 M). */
  maxSourcePixels?: number
  /**
   * Throws when the uploader's token no longer stands (revoked, expired, its user removed): asked
   * once the bytes are in, before anything is kept, as a write asks in its write lock.
   */
  signedIn?: () => void
}

/**
 * Streams the upload into the dataset's asset folder (content-addressed, so the same bytes are the
 * same file) and returns the asset document to write.
 */
export async function receiveAsset(
  dataDir: string,
  projectId: string,
  dataset: string,
  upload: AssetUpload,
  /**
   * Told the file's path and name just before the file is put in place (or found there): from
   * then on the caller holds it from every clean-up until the document is written or refused.
   */
  storing: (path: string, fileName: string) => void = () => {},
): Promise<SanityDocument> {
  const {kind, meta} = upload
  const maxSourcePixels = upload.maxSourcePixels ?? DEFAULT_IMAGE_LIMITS.maxSourcePixels
  const claim = await upload.space?.admit(upload.declaredBytes ?? null, upload.caller)
  let staged
  try {
    staged = await stageUpload(dataDir, upload.body, upload.maxBytes, claim)
  } finally {
    // Staged (or refused), its bytes are on the disk as they will stay: the disk shows them now.
    claim?.release()
  }
  try {
    // A large upload streams for minutes: its token may have been revoked meanwhile.
    upload.signedIn?.()
    if (staged.size === 0) throw new BadRequestError('Empty upload: send the file as the body')
    let target
    let image
    let derived
    if (kind === 'images') {
      image = readImageInfo(staged.head) ?? undefined
      if (!image) throw new BadRequestError('Not a supported image (PNG, JPEG, GIF, WebP or SVG)')
      checkSourcePixels(image, maxSourcePixels)
      if (image.format === 'svg') {
        // Recorded as rendered: a rendition's size and the render limits follow these figures.
        image = {...image, ...(await svgRenderedSize(staged.path).catch(unreadable))}
        checkSourcePixels(image, maxSourcePixels)
      }
      target = imageTarget(projectId, dataset, staged.sha1, image)
      // lqip, blurHash and palette, as Sanity adds them; decoding them also proves the image can
      // be rendered later, so one its decoder refuses is not stored.
      derived = await deriveImageMetadata(staged.path, maxSourcePixels).catch(unreadable)
    } else {
      const declared = upload.contentType
      const extension = fileExtension(meta.originalFilename, declared)
      const mimeType =
        declared && declared !== 'application/octet-stream' ? declared : contentTypeFor(extension)
      target = fileTarget(projectId, dataset, staged.sha1, extension, mimeType)
    }
    const filePath = assetFilePath(dataDir, kind, projectId, dataset, target.fileName)
    if (!filePath) throw new BadRequestError('Invalid dataset or file name')
    storing(filePath, target.fileName)
    await storeUpload(staged, filePath)

    const candidate = assetDocument({
      target,
      apiHost: upload.origin,
      sha1: staged.sha1,
      size: staged.size,
      uploadId: randomId(32),
      meta,
      image,
    })
    if (derived) {
      const wanted = upload.derive ?? DERIVED_NAMES
      const kept = Object.entries(derived).filter(([field]) => wanted.has(DERIVED_FIELD[field]))
      candidate.metadata = {...(candidate.metadata as object), ...Object.fromEntries(kept)}
    }
    return candidate
  } finally {
    staged.discard()
  }
}

function unreadable(err: unknown): never {
  const reason = (err as Error).message.trim()
  throw new InvalidImageError(
    `Invalid image, could not read metadata: ${reason}. Nothing was stored; check that ` +
      'the file opens in an image program, save it again and upload that',
    reason,
  )
}

/** The `meta` names of what the lake derives from an image's pixels. */
export type DerivedName = 'lqip' | 'blurhash' | 'palette'

export const DERIVED_NAMES: ReadonlySet<DerivedName> = new Set(['lqip', 'blurhash', 'palette'])

/** Each derived metadata field by the `meta` name that asks for it. */
const DERIVED_FIELD: Record<string, DerivedName> = {
  lqip: 'lqip',
  blurHash: 'blurhash',
  palette: 'palette',
}

/**
 * Refuses an image whose header declares more pixels than the lake decodes: a few bytes can
 * declare 50,000×50,000, which would take gigabytes to decode.
 */
function checkSourcePixels(image: {width: number; height: number}, maxPixels: number): void {
  const pixels = image.width * image.height
  if (pixels <= maxPixels) return
  throw new BadRequestError(
    `Image is ${image.width}×${image.height} pixels (${megapixels(pixels)} megapixels); the lake ` +
      `accepts images of at most ${megapixels(maxPixels)} megapixels ` +
      `(LAKE_IMAGE_MAX_SOURCE_PIXELS). Nothing was stored; scale the image down and upload it again`,
  )
}

function megapixels(pixels: number): string {
  return (pixels / 1e6).toLocaleString('en', {maximumFractionDigits: 1})
}

/**
 * The stored file named `name` under a dataset's `kind` folder, if both it and its asset document
 * exist (a deleted asset document's file is gone too, or about to be).
 */
export function storedAssetPath(
  dataDir: string,
  kind: AssetKind,
  projectId: string,
  dataset: string,
  name: string,
): {path: string; assetId: string} | null {
  const path = assetFilePath(dataDir, kind, projectId, dataset, name)
  const assetId = assetIdForFile(kind, name)
  return path && assetId && existsSync(path) ? {path, assetId} : null
}

/**
 * Asset bytes on disk, content-addressed by SHA-1 as Sanity names them:
 * <dataDir>/assets/<projectId>/<dataset>/images/<sha1>-<w>x<h>.<ext> and …/files/<sha1>.<ext>.
 * An upload streams to a temporary file while hashing (memory stays flat for large files), then is
 * renamed into place; the same bytes uploaded twice end up as the same file. Staged files live in
 * <dataDir>/assets/.incoming until then; no upload survives a restart, so the lake empties that
 * folder when it starts.
 */
import {createHash, randomBytes} from 'node:crypto'
import {createWriteStream, existsSync, mkdirSync, renameSync, rmSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {ReadableStream as NodeReadableStream} from 'node:stream/web'
import {BadRequestError} from '../core/errors.ts'
import type {UploadClaim} from './uploadSpace.ts'

export type AssetKind = 'images' | 'files'

export interface StagedUpload {
  path: string
  sha1: string
  size: number
  /** The first bytes, for header sniffing. */
  head: Buffer
  discard(): void
}

/** How many leading bytes are kept for format detection (JPEG EXIF can be large). */
const HEAD_BYTES = 1024 * 1024

export function assetsDir(dataDir: string): string {
  return join(dataDir, 'assets')
}

function incomingDir(dataDir: string): string {
  return join(assetsDir(dataDir), '.incoming')
}

/** Removes what uploads cut short by a crash (SIGKILL, power loss) left staged. */
export function clearIncoming(dataDir: string): void {
  rmSync(incomingDir(dataDir), {recursive: true, force: true})
}

/** The file an asset URL path (`images/<project>/<dataset>/<name>`) maps to, or null if unsafe. */
export function assetFilePath(
  dataDir: string,
  kind: AssetKind,
  projectId: string,
  dataset: string,
  name: string,
): string | null {
  for (const part of [projectId, dataset, name]) {
    if (!/^[A-Za-z0-9_.-]+$/.test(part) || part.startsWith('.')) return null
  }
  return join(assetsDir(dataDir), projectId, dataset, kind, name)
}

/**
 * Streams a request body to a temporary file in the assets folder, hashing as it goes; `claim`
 * is told its size as it grows, and stops it (its error) when the disk has no more room for it.
 */
export async function stageUpload(
  dataDir: string,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  claim?: UploadClaim,
): Promise<StagedUpload> {
  const tmpDir = incomingDir(dataDir)
  mkdirSync(tmpDir, {recursive: true, mode: 0o700})
  const path = join(tmpDir, randomBytes(12).toString('hex'))
  const hash = createHash('sha1')
  const headChunks: Buffer[] = []
  let headLength = 0
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length
      if (size > maxBytes) return done(new UploadTooLargeError(maxBytes))
      hash.update(chunk)
      if (headLength < HEAD_BYTES) {
        headChunks.push(chunk)
        headLength += chunk.length
      }
      const looking = claim?.staged(size)
      if (looking) looking.then(() => done(null, chunk), done)
      else done(null, chunk)
    },
  })
  const discard = () => rmSync(path, {force: true})
  try {
    const source = body ? Readable.fromWeb(body as NodeReadableStream) : Readable.from([])
    await pipeline(source, meter, createWriteStream(path, {mode: 0o600}))
  } catch (err) {
    discard()
    throw err
  }
  return {
    path,
    sha1: hash.digest('hex'),
    size,
    head: Buffer.concat(headChunks).subarray(0, HEAD_BYTES),
    discard,
  }
}

/**
 * Moves a staged upload to its final place (keeps an existing identical file). The file's bytes
 * and then its name are on disk (fsync of the file, then of its folder) before this resolves, so
 * an asset document committed after it never names a file a power loss took.
 */
export async function storeUpload(
  staged: StagedUpload,
  target: string,
  /** fsync of a file or folder (tests record the calls). */
  syncPath: (path: string) => Promise<void> = sync,
): Promise<void> {
  const folder = dirname(target)
  const created = mkdirSync(folder, {recursive: true, mode: 0o700})
  if (existsSync(target)) {
    staged.discard()
    return
  }
  await syncPath(staged.path)
  renameSync(staged.path, target)
  await syncPath(folder)
  // Folders made just now are entries of their parents, up to the first that existed.
  if (created) {
    for (let dir = folder; dir !== dirname(created); dir = dirname(dir)) {
      await syncPath(dirname(dir))
    }
  }
}

async function sync(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export class UploadTooLargeError extends BadRequestError {
  override name = 'UploadTooLargeError'

  constructor(maxBytes: number) {
    super(`Upload is larger than the lake accepts (${maxBytes} bytes; set LAKE_MAX_UPLOAD_BYTES)`)
  }
}

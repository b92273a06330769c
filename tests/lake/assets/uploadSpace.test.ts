/**
 * What the upload reserve counts (lake/assets/uploadSpace.ts), with the disk's free bytes given:
 * an upload's declared length from its admission until it has staged it, so uploads that start
 * together cannot each find the same room; a look at the disk every CHECK_BYTES staged, so one sent
 * without a length stops at the reserve; a Retry-After only when the uploads under way are what
 * stand in the way.
 */
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {stageUpload} from '../../../lake/assets/assetFiles.ts'
import {
  CHECK_BYTES,
  createUploadSpace,
  DEFAULT_UPLOAD_DISK_RESERVE_BYTES,
  uploadDiskReserve,
} from '../../../lake/assets/uploadSpace.ts'
import {InsufficientStorageError} from '../../../lake/core/errors.ts'

const MiB = 1024 * 1024

/** A disk whose free bytes the test sets. */
function disk(free: number) {
  const state = {free}
  return {state, freeBytes: async () => state.free}
}

async function refusal(promise: Promise<unknown> | null): Promise<InsufficientStorageError> {
  const err = await Promise.resolve(promise).then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(err).toBeInstanceOf(InsufficientStorageError)
  return err as InsufficientStorageError
}

describe('admission', () => {
  it('admits an upload that leaves the reserve free, and refuses one that would not', async () => {
    const {freeBytes} = disk(100 * MiB)
    const space = createUploadSpace('/data', 10 * MiB, freeBytes)
    ;(await space.admit(90 * MiB)).release()
    const err = await refusal(space.admit(90 * MiB + 1))
    expect(err.retryAfterSeconds).toBeUndefined()
    expect(err.description).toMatch(/100 MiB free.*Nothing was stored: free space on that disk/)
    expect(err.description).toMatch(/10 MiB the lake keeps/)
  })

  it('counts uploads under way at their declared length: the next is refused with Retry-After until they end', async () => {
    const {freeBytes} = disk(100 * MiB)
    const space = createUploadSpace('/data', 10 * MiB, freeBytes)
    const first = await space.admit(60 * MiB)
    const err = await refusal(space.admit(40 * MiB))
    expect(err.retryAfterSeconds).toBe(10)
    expect(err.description).toMatch(/60 MiB of it promised to uploads under way.*try again/)
    // Two admitted at once: the second counts the first.
    const racing = await Promise.allSettled([space.admit(20 * MiB), space.admit(20 * MiB)])
    expect(racing.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    for (const r of racing) if (r.status === 'fulfilled') r.value.release()
    first.release()
    ;(await space.admit(40 * MiB)).release()
  })

  it('counts what an upload has staged as on the disk, not twice', async () => {
    const {state, freeBytes} = disk(100 * MiB)
    const space = createUploadSpace('/data', 10 * MiB, freeBytes)
    const claim = await space.admit(80 * MiB)
    for (let staged = CHECK_BYTES; staged <= 80 * MiB; staged += CHECK_BYTES) {
      state.free = 100 * MiB - staged
      await claim.staged(staged)
    }
    claim.release()
  })
})

describe('as an upload streams', () => {
  it('looks at the disk once every CHECK_BYTES, and stops one sent without a length at the reserve', async () => {
    const {state, freeBytes} = disk(100 * MiB)
    let looks = 0
    const space = createUploadSpace('/data', 10 * MiB, async () => (looks++, freeBytes()))
    const claim = await space.admit(null)
    expect(looks).toBe(1)
    expect(claim.staged(CHECK_BYTES - 1)).toBeNull()
    await claim.staged(CHECK_BYTES)
    expect(looks).toBe(2)
    state.free = 10 * MiB - 1
    expect(claim.staged(CHECK_BYTES + 1)).toBeNull()
    const err = await refusal(claim.staged(2 * CHECK_BYTES))
    expect(err.retryAfterSeconds).toBeUndefined()
    claim.release()
  })

  it('stageUpload stops at the refusal and keeps nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lake-upload-space-'))
    try {
      const {state, freeBytes} = disk(100 * MiB)
      const space = createUploadSpace(dataDir, 10 * MiB, freeBytes)
      const claim = await space.admit(null)
      const chunk = new Uint8Array(MiB)
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += chunk.length
          // The disk fills as it arrives (another writer), past the reserve before 16 MiB.
          state.free = 100 * MiB - 6 * sent
          if (sent > 64 * MiB) controller.close()
          else controller.enqueue(chunk)
        },
      })
      await refusal(stageUpload(dataDir, body, 512 * MiB, claim))
      expect(sent).toBeLessThan(64 * MiB)
      claim.release()
      const incoming = join(dataDir, 'assets', '.incoming')
      expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([])
    } finally {
      rmSync(dataDir, {recursive: true, force: true})
    }
  })
})

describe('LAKE_UPLOAD_DISK_RESERVE_BYTES', () => {
  it.each([
    [undefined, DEFAULT_UPLOAD_DISK_RESERVE_BYTES],
    ['', DEFAULT_UPLOAD_DISK_RESERVE_BYTES],
    ['many', DEFAULT_UPLOAD_DISK_RESERVE_BYTES],
    ['-1', DEFAULT_UPLOAD_DISK_RESERVE_BYTES],
    ['0', 0],
    [' 5368709120 ', 5 * 1024 * MiB],
  ])('%j is %d bytes', (value, bytes) => {
    expect(uploadDiskReserve({LAKE_UPLOAD_DISK_RESERVE_BYTES: value})).toBe(bytes)
  })
})

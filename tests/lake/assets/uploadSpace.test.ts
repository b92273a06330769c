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
  DEFAULT_UPLOAD_CALLER_BYTES,
  DEFAULT_UPLOAD_DISK_RESERVE_BYTES,
  uploadCallerBytes,
  uploadDiskReserve,
} from '../../../lake/assets/uploadSpace.ts'
import {CallerBusyError, InsufficientStorageError} from '../../../lake/core/errors.ts'

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
    const space = createUploadSpace('/data', {reserveBytes: 10 * MiB}, freeBytes)
    ;(await space.admit(90 * MiB)).release()
    const err = await refusal(space.admit(90 * MiB + 1))
    expect(err.retryAfterSeconds).toBeUndefined()
    expect(err.description).toMatch(/100 MiB free.*Nothing was stored: free space on that disk/)
    expect(err.description).toMatch(/10 MiB the lake keeps/)
  })

  it('counts uploads under way at their declared length: the next is refused with Retry-After until they end', async () => {
    const {freeBytes} = disk(100 * MiB)
    const space = createUploadSpace('/data', {reserveBytes: 10 * MiB}, freeBytes)
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
    const space = createUploadSpace('/data', {reserveBytes: 10 * MiB}, freeBytes)
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
    const space = createUploadSpace(
      '/data',
      {reserveBytes: 10 * MiB},
      async () => (looks++, freeBytes()),
    )
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
      const space = createUploadSpace(dataDir, {reserveBytes: 10 * MiB}, freeBytes)
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

describe("one caller's uploads under way", () => {
  const limits = {reserveBytes: 0, callerBytes: 100 * MiB}

  async function busy(promise: Promise<unknown> | null): Promise<CallerBusyError> {
    const err = await Promise.resolve(promise).then(
      () => null,
      (thrown: unknown) => thrown,
    )
    expect(err).toBeInstanceOf(CallerBusyError)
    return err as CallerBusyError
  }

  it('hold at most the bound at their declared lengths; other callers are not counted', async () => {
    const space = createUploadSpace('/data', limits, disk(10_000 * MiB).freeBytes)
    const first = await space.admit(60 * MiB, 'editor')
    const second = await space.admit(40 * MiB, 'editor')
    const err = await busy(space.admit(1, 'editor'))
    expect(err.retryAfterSeconds).toBe(10)
    expect(err.description).toMatch(
      /has 2 uploads under way holding 100 MiB; with this one's 1 bytes they would pass the 100 MiB .*LAKE_UPLOAD_CALLER_BYTES/,
    )
    // Another caller, and a claim without one, go on.
    ;(await space.admit(90 * MiB, 'other')).release()
    ;(await space.admit(90 * MiB)).release()
    // As the caller's uploads end, room comes back.
    first.release()
    ;(await space.admit(60 * MiB, 'editor')).release()
    second.release()
  })

  it("admit a caller's sole upload whatever its size, and none beside it", async () => {
    const space = createUploadSpace('/data', limits, disk(10_000 * MiB).freeBytes)
    const large = await space.admit(500 * MiB, 'editor')
    await busy(space.admit(1, 'editor'))
    large.release()
    ;(await space.admit(1, 'editor')).release()
  })

  it('count one sent without a length as it arrives, and stop it past the bound', async () => {
    const space = createUploadSpace('/data', limits, disk(10_000 * MiB).freeBytes)
    const declared = await space.admit(60 * MiB, 'editor')
    const chunked = await space.admit(null, 'editor')
    await chunked.staged(40 * MiB)
    const err = await busy(chunked.staged(40 * MiB + 1))
    expect(err.description).toMatch(/has 1 upload under way holding 60 MiB/)
    chunked.release()
    declared.release()
  })

  it('LAKE_UPLOAD_CALLER_BYTES sets the bound (0: one upload at a time); else the default', () => {
    expect(uploadCallerBytes({})).toBe(DEFAULT_UPLOAD_CALLER_BYTES)
    expect(uploadCallerBytes({LAKE_UPLOAD_CALLER_BYTES: '1048576'})).toBe(MiB)
    expect(uploadCallerBytes({LAKE_UPLOAD_CALLER_BYTES: '0'})).toBe(0)
    expect(uploadCallerBytes({LAKE_UPLOAD_CALLER_BYTES: 'lots'})).toBe(DEFAULT_UPLOAD_CALLER_BYTES)
    expect(uploadCallerBytes({LAKE_UPLOAD_CALLER_BYTES: '-1'})).toBe(DEFAULT_UPLOAD_CALLER_BYTES)
  })
})

/**
 * The disk space uploads may take: an upload may not leave the disk holding the data folder with
 * less free than a reserve the lake keeps for its datasets (their writes, WAL and checkpoints),
 * `LAKE_UPLOAD_DISK_RESERVE_BYTES`. Each upload under way is counted at its declared length until
 * it has staged it (the disk does not show yet what it will take), so uploads that start together
 * cannot each find the same room; one sent without a length is counted as it arrives. Checked
 * before a byte is read and again every CHECK_BYTES staged, else an InsufficientStorageError (507),
 * nothing stored. Before, uploads filled the disk: SQLite's writes then failed for everyone.
 * One caller's uploads under way hold at most `LAKE_UPLOAD_CALLER_BYTES` between them (its sole
 * upload passes whatever its size), else a CallerBusyError (429): before, one editor's 1,024
 * uploads at once took the disk down to the reserve, and so the upload path from everyone.
 */
import {statfs} from 'node:fs/promises'
import {CallerBusyError, InsufficientStorageError} from '../core/errors.ts'

/** What uploads leave free by default: room for a newsroom's datasets to go on growing a while. */
export const DEFAULT_UPLOAD_DISK_RESERVE_BYTES = 1024 * 1024 * 1024

/**
 * What one caller's uploads under way may hold by default: as much as one upload of the largest
 * size (LAKE_MAX_UPLOAD_BYTES' default), or many of a newsroom's photographs at once.
 */
export const DEFAULT_UPLOAD_CALLER_BYTES = 512 * 1024 * 1024

/** Bytes staged between two looks at the disk (a statfs is a few µs; 8 MiB arrive in tens of ms). */
export const CHECK_BYTES = 8 * 1024 * 1024

/** When a refusal caused by other uploads under way may pass: most uploads end within it. */
const RETRY_AFTER_SECONDS = 10

export interface UploadSpaceLimits {
  /** Free bytes uploads leave on the disk (LAKE_UPLOAD_DISK_RESERVE_BYTES). */
  reserveBytes: number
  /** Bytes one caller's uploads under way may hold (LAKE_UPLOAD_CALLER_BYTES); default above. */
  callerBytes?: number
}

export interface UploadSpace {
  /**
   * Counts an upload of `declared` bytes (null: sent without a length) by `caller` (a token or
   * session: principal.ts' streamHolder; none: no caller's bound) from now until its claim is
   * released, or throws the 429 when the caller's other uploads under way leave it no room, the
   * 507 when the disk has none beside the reserve and the other uploads under way.
   */
  admit(declared: number | null, caller?: string): Promise<UploadClaim>
}

export interface UploadClaim {
  /**
   * The upload has staged `bytes` so far: past CHECK_BYTES since the last look, the disk is looked
   * at again (a promise that throws the 507), else null; one sent without a length that takes its
   * caller past its bound is a rejected promise (the 429).
   */
  staged(bytes: number): Promise<void> | null
  /** The upload ended (stored or refused); again is nothing. */
  release(): void
}

interface Claim {
  declared: number
  written: number
  checkedAt: number
  caller: string | undefined
}

export function createUploadSpace(
  dir: string,
  limits: UploadSpaceLimits,
  /** Bytes free to the lake on the disk holding `dir` (tests give their own). */
  freeBytes: (dir: string) => Promise<number> = diskFree,
): UploadSpace {
  const {reserveBytes, callerBytes = DEFAULT_UPLOAD_CALLER_BYTES} = limits
  const claims = new Set<Claim>()
  /** What an upload will still add to the disk. */
  const pending = (claim: Claim) => Math.max(claim.declared - claim.written, 0)
  /** What an upload holds of its caller's bound: its declared length, or what it sent. */
  const holds = (claim: Claim) => Math.max(claim.declared, claim.written)
  /** The caller's bound, counting its uploads under way: its sole upload always passes. */
  const checkCaller = (me: Claim) => {
    if (me.caller === undefined) return
    let others = 0
    let count = 0
    for (const claim of claims) {
      if (claim === me || claim.caller !== me.caller) continue
      others += holds(claim)
      count++
    }
    if (count === 0 || others + holds(me) <= callerBytes) return
    throw new CallerBusyError(
      `This caller has ${count} upload${count === 1 ? '' : 's'} under way holding ` +
        `${sizeText(others)}; with this one's ${sizeText(holds(me))} they would pass the ` +
        `${sizeText(callerBytes)} one caller's uploads may hold at once (LAKE_UPLOAD_CALLER_BYTES). ` +
        'Nothing was stored: upload it again once those end, or start the lake with a larger ' +
        'LAKE_UPLOAD_CALLER_BYTES',
      RETRY_AFTER_SECONDS,
    )
  }
  const check = async (me: Claim) => {
    const free = await freeBytes(dir)
    let others = 0
    for (const claim of claims) if (claim !== me) others += pending(claim)
    const wanted = pending(me)
    if (free - others - wanted >= reserveBytes) return
    // Would it fit but for the others? Then it may once they end.
    const passes = free - wanted >= reserveBytes
    throw new InsufficientStorageError(
      `This upload${me.declared > 0 ? ` (${sizeText(me.declared)})` : ''} would leave the disk holding ` +
        `the lake's data folder with less free than the ${sizeText(reserveBytes)} the lake keeps for its ` +
        `datasets (LAKE_UPLOAD_DISK_RESERVE_BYTES): ${sizeText(free)} free` +
        (others > 0 ? `, ${sizeText(others)} of it promised to uploads under way` : '') +
        '. Nothing was stored: ' +
        (passes
          ? 'try again once those uploads end'
          : 'free space on that disk (unused assets, other files), or start the lake with a ' +
            'smaller LAKE_UPLOAD_DISK_RESERVE_BYTES (a small disk), and upload again'),
      passes ? RETRY_AFTER_SECONDS : undefined,
    )
  }
  // Admissions look at the disk one at a time, each counting those admitted before it: two that
  // started together would each find the same room, or, both counted first, neither.
  let turn: Promise<unknown> = Promise.resolve()
  const admitOne = async (
    declared: number | null,
    caller: string | undefined,
  ): Promise<UploadClaim> => {
    const claim: Claim = {declared: declared ?? 0, written: 0, checkedAt: 0, caller}
    // The caller's bound first: it needs no look at the disk.
    checkCaller(claim)
    await check(claim)
    claims.add(claim)
    return {
      staged(bytes) {
        claim.written = bytes
        // One sent without a length counts as it arrives (one with a length counted whole).
        if (bytes > claim.declared) {
          try {
            checkCaller(claim)
          } catch (err) {
            return Promise.reject(err as Error)
          }
        }
        if (bytes - claim.checkedAt < CHECK_BYTES) return null
        claim.checkedAt = bytes
        return check(claim)
      },
      release() {
        claims.delete(claim)
      },
    }
  }
  return {
    admit(declared, caller) {
      const admitted = turn.then(() => admitOne(declared, caller))
      turn = admitted.catch(() => undefined)
      return admitted
    },
  }
}

/** LAKE_UPLOAD_DISK_RESERVE_BYTES, bytes (0 too), else the default. */
export const uploadDiskReserve = (env: Record<string, string | undefined>): number =>
  bytesSetting(env.LAKE_UPLOAD_DISK_RESERVE_BYTES, DEFAULT_UPLOAD_DISK_RESERVE_BYTES)

/** LAKE_UPLOAD_CALLER_BYTES, bytes (0: one upload at a time), else the default. */
export const uploadCallerBytes = (env: Record<string, string | undefined>): number =>
  bytesSetting(env.LAKE_UPLOAD_CALLER_BYTES, DEFAULT_UPLOAD_CALLER_BYTES)

/** A setting of bytes: a number of 0 or more, else the fallback. */
function bytesSetting(setting: string | undefined, fallback: number): number {
  const value = setting?.trim()
  const configured = Number(value)
  return value && Number.isFinite(configured) && configured >= 0 ? configured : fallback
}

async function diskFree(dir: string): Promise<number> {
  const stats = await statfs(dir)
  // What an unprivileged process may still take (root may also take the filesystem's own reserve).
  return stats.bavail * stats.bsize
}

function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes.toLocaleString('en')} bytes`
  return `${(bytes / (1024 * 1024)).toLocaleString('en', {maximumFractionDigits: 1})} MiB`
}

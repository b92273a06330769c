/**
 * A busy database is the lake being busy, not broken: SQLite's "database is locked" (SQLITE_BUSY,
 * and its extended codes such as SQLITE_BUSY_SNAPSHOT) becomes a 503 with Retry-After that says
 * what happened, never a bare 500.
 */
import {existsSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {expect, test, vi} from 'vitest'
import {
  ClientGoneError,
  databaseBusy,
  DatabaseBusyError,
  ListenerOverloadedError,
  RetryLaterError,
} from '../../../lake/core/errors.ts'
import {errorResponse} from '../../../lake/http/errors.ts'
import {fromWire, toWire} from '../../../lake/query/wire.ts'

/** The error SQLite really throws when another connection holds the write lock. */
async function realBusyError(): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-busy-'))
  const path = join(dir, 'x.sqlite')
  const holder = new DatabaseSync(path)
  holder.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (v)')
  const other = new DatabaseSync(path)
  other.exec('PRAGMA busy_timeout = 0')
  holder.exec('BEGIN IMMEDIATE')
  try {
    other.exec('BEGIN IMMEDIATE')
    return null
  } catch (err) {
    return err
  } finally {
    holder.exec('ROLLBACK')
    holder.close()
    other.close()
    await rm(dir, {recursive: true, force: true})
  }
}

test('SQLITE_BUSY becomes a 503 with Retry-After and a message saying what happened', async () => {
  const err = await realBusyError()
  expect((err as {errcode: number}).errcode & 0xff).toBe(5)
  const res = errorResponse(err)
  expect(res.status).toBe(503)
  expect(res.headers.get('retry-after')).toBe('1')
  const body = await res.json()
  expect(body).toMatchObject({statusCode: 503, error: 'Service Unavailable'})
  expect(body.message).toMatch(/database was busy.*nothing was changed.*Try again/)
})

test('SQLITE_BUSY_SNAPSHOT (517) too, and the typed error crosses from a query thread', () => {
  const snapshot = Object.assign(new Error('database is locked'), {
    code: 'ERR_SQLITE_ERROR',
    errcode: 517,
    errstr: 'database is locked',
  })
  expect(errorResponse(snapshot).status).toBe(503)
  const crossed = fromWire(toWire(snapshot)!)
  expect(crossed).toBeInstanceOf(DatabaseBusyError)
  expect(errorResponse(crossed).status).toBe(503)
  // Other SQLite errors are not busy ones.
  const corrupt = Object.assign(new Error('database disk image is malformed'), {
    code: 'ERR_SQLITE_ERROR',
    errcode: 11,
  })
  expect(databaseBusy(corrupt)).toBeNull()
  expect(errorResponse(corrupt).status).toBe(500)
})

/**
 * A refusal the lake means to give (an answer budget spent, a listener fallen behind) is not a
 * bug: one line says what was refused, no stack. Anything unexpected keeps its stack.
 */
test('expected refusals (503s) log one line without a stack; unexpected errors keep theirs', () => {
  const lines: unknown[][] = []
  const errorSpy = vi.spyOn(console, 'error').mockImplementation((...args) => void lines.push(args))
  const warnSpy = vi.spyOn(console, 'warn').mockImplementation((...args) => void lines.push(args))
  try {
    const refusals = [
      new RetryLaterError('lakeBusyError', 'The lake holds 9 bytes of answers (at most 8)', 2),
      new ListenerOverloadedError('The listener fell 1000 transactions behind and was closed'),
    ]
    for (const refusal of refusals) {
      lines.length = 0
      expect(errorResponse(refusal).status).toBe(503)
      expect(errorSpy).not.toHaveBeenCalled()
      expect(lines).toHaveLength(1)
      const [line, ...rest] = lines[0]!
      expect(rest).toEqual([])
      expect(typeof line).toBe('string')
      expect(line).not.toContain('\n')
      expect(line).toContain(refusal.type)
      expect(line).toContain(refusal.description)
    }
    lines.length = 0
    const bug = new TypeError('cannot read properties of undefined')
    expect(errorResponse(bug).status).toBe(500)
    expect(errorSpy).toHaveBeenCalledTimes(1)
    expect(lines[0]).toContain(bug)
  } finally {
    errorSpy.mockRestore()
    warnSpy.mockRestore()
  }
})

test('a request whose client went away is a 503 unavailableError that nobody reads, logged nowhere', async () => {
  const warnSpy = vi.spyOn(console, 'warn').mockImplementation(() => {})
  const errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const res = errorResponse(new ClientGoneError())
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({message: 'The client closed the connection'})
    expect(warnSpy).not.toHaveBeenCalled()
    expect(errorSpy).not.toHaveBeenCalled()
  } finally {
    warnSpy.mockRestore()
    errorSpy.mockRestore()
  }
})

/** The error SQLite really throws when a database may not grow (as on a full disk). */
async function realFullError(): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-full-'))
  const db = new DatabaseSync(join(dir, 'x.sqlite'))
  try {
    db.exec('CREATE TABLE t (v); PRAGMA max_page_count = 3')
    db.exec(`INSERT INTO t VALUES (zeroblob(100000))`)
    return null
  } catch (err) {
    return err
  } finally {
    db.close()
    await rm(dir, {recursive: true, force: true})
  }
}

/** The error Node really throws when a write finds no room on its device. */
function realNoSpaceError(): unknown {
  // Linux's; elsewhere (macOS has none) the error as Node's fs gives it for a write.
  if (!existsSync('/dev/full')) {
    return Object.assign(new Error('ENOSPC: no space left on device, write'), {
      errno: -28,
      code: 'ENOSPC',
      syscall: 'write',
    })
  }
  try {
    writeFileSync('/dev/full', 'x')
    return null
  } catch (err) {
    return err
  }
}

/**
 * A full disk is the lake's state, not a bug, and not the caller's fault: SQLite's "database or
 * disk is full" (SQLITE_FULL) and a file's ENOSPC become a 507 saying the request was not done
 * and what to free, logged as one line. Until 2026-12-05 a write or an upload on a full disk was
 * a bare 500 with a stack in the log.
 */
test('SQLITE_FULL and ENOSPC become a 507 saying to free space on the data folder’s disk', async () => {
  const warnSpy = vi.spyOn(console, 'warn').mockImplementation(() => {})
  const errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const full = await realFullError()
    expect((full as {errcode: number}).errcode & 0xff).toBe(13)
    const noSpace = realNoSpaceError()
    expect((noSpace as {code: string}).code).toBe('ENOSPC')
    for (const err of [full, noSpace]) {
      const res = errorResponse(err)
      expect(res.status).toBe(507)
      const body = await res.json()
      expect(body).toMatchObject({statusCode: 507, error: 'Insufficient Storage'})
      expect(body.message).toMatch(/disk.*full.*not done.*free space/i)
      // So is one that crossed from a thread.
      expect(errorResponse(fromWire(toWire(err)!)).status).toBe(507)
    }
    expect(errorSpy).not.toHaveBeenCalled()
  } finally {
    warnSpy.mockRestore()
    errorSpy.mockRestore()
  }
})

/**
 * A file's ENOSPC names the file (Node's message for an open, a mkdir, a rename): the 507 says the
 * disk is full without it, as a 500 says nothing of the lake's machine.
 */
test('a full disk’s 507 names no path on the lake’s machine', async () => {
  const warnSpy = vi.spyOn(console, 'warn').mockImplementation(() => {})
  try {
    const path = '/srv/newsroom/lake-data/assets/.incoming/upload-1'
    // As Node's fs throws it when no file can be made on a full disk.
    const noSpace = Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), {
      errno: -28,
      code: 'ENOSPC',
      syscall: 'open',
      path,
    })
    const res = errorResponse(noSpace)
    expect(res.status).toBe(507)
    const body = await res.json()
    expect(body.message).toMatch(/no space left on device/)
    expect(body.message).not.toContain('/srv/newsroom')
  } finally {
    warnSpy.mockRestore()
  }
})

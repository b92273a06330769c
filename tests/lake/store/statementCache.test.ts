/**
 * A connection's prepared statements are bounded (a caller's query shapes are in their SQL): a
 * shape asked again stays prepared among a flood of new ones, and a statement let go of still
 * serves whoever holds it.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'
import {
  createStatementCache,
  IDLE,
  IDLE_PER_SQL,
  PREPARED,
} from '../../../lake/store/statementCache.ts'

let db: DatabaseSync
const prepared: string[] = []
const prepare = (sql: string): StatementSync => {
  prepared.push(sql)
  return db.prepare(sql)
}
/** A distinct text of about `length` characters. */
const shape = (i: number, length = 0) => `SELECT n AS "${i}${'x'.repeat(length)}" FROM t`

beforeEach(() => {
  db = new DatabaseSync(':memory:')
  db.exec('CREATE TABLE t (n INTEGER)')
  const insert = db.prepare('INSERT INTO t VALUES (?)')
  for (let n = 1; n <= 5; n++) insert.run(n)
  prepared.length = 0
})
afterEach(() => db.close())

describe('a statement cache', () => {
  test('keeps a shape asked again among a flood of new ones, and at most its bounds', () => {
    const cache = createStatementCache()
    const hot = 'SELECT count(*) AS n FROM t'
    for (let i = 0; i < 4 * PREPARED.entries; i++) {
      cache.get(shape(i), prepare)
      if (i % 10 === 0) expect(cache.get(hot, prepare).get()).toEqual({n: 5})
    }
    expect(prepared.filter((sql) => sql === hot)).toHaveLength(1)
    expect(cache.held().shared).toBe(PREPARED.entries)
    // Long texts: bounded by their characters too (about 30 bytes of SQLite's memory each).
    const long = Math.ceil(PREPARED.weight / 16)
    for (let i = 0; i < 64; i++) cache.get(shape(i, long), prepare)
    expect(cache.held().shared).toBeLessThanOrEqual(16)
    // One text longer than the whole bound is prepared for its caller and not kept.
    const huge = shape(0, PREPARED.weight)
    expect(cache.get(huge, prepare).all()).toHaveLength(5)
    cache.get(huge, prepare)
    expect(prepared.filter((sql) => sql === huge)).toHaveLength(2)
  })

  test('keeps idle statements of at most IDLE.shapes texts, IDLE_PER_SQL each', () => {
    const cache = createStatementCache()
    for (let i = 0; i < 4 * IDLE.shapes; i++) {
      const sql = shape(i)
      // Concurrent iterations of one text each take their own.
      const taken = Array.from({length: IDLE_PER_SQL + 2}, () => cache.take(sql, prepare))
      expect(new Set(taken).size).toBe(IDLE_PER_SQL + 2)
      for (const statement of taken) cache.giveBack(sql, statement)
    }
    expect(cache.held().idle).toBe(IDLE.shapes * IDLE_PER_SQL)
    // The most recent text's are taken again, not prepared again.
    const last = shape(4 * IDLE.shapes - 1)
    const before = prepared.length
    for (let k = 0; k < IDLE_PER_SQL; k++) cache.take(last, prepare)
    expect(prepared.length).toBe(before)
  })

  test('a statement pushed out while an iteration over it is suspended is never handed out again', () => {
    // node:sqlite cannot finalize a statement (only closing the connection does), so what could
    // break an iteration is the cache handing the statement to another caller, whose run resets it.
    const cache = createStatementCache()
    const sql = 'SELECT n FROM t ORDER BY n'
    // A shared statement iterated (as the export page does, though it reads to the end at once)
    // and a taken one (from the idle ones), each suspended after its first row.
    const shared = cache.get(sql, prepare).iterate()
    cache.giveBack(sql, cache.take(sql, prepare))
    const taken = cache.take(sql, prepare).iterate()
    expect(shared.next().value).toEqual({n: 1})
    expect(taken.next().value).toEqual({n: 1})
    // Whatever the cache hands out for the same text is run to its end.
    const runAll = () => {
      for (let k = 0; k < IDLE_PER_SQL + 1; k++) {
        expect(cache.get(sql, prepare).all()).toHaveLength(5)
        expect(cache.take(sql, prepare).all()).toHaveLength(5)
      }
    }
    // The shared statements are pushed out, then the idle ones, each followed by a run.
    for (let i = 0; i < PREPARED.entries; i++) cache.get(shape(i), prepare)
    runAll()
    for (let i = 0; i < IDLE.shapes; i++) cache.giveBack(shape(i), cache.take(shape(i), prepare))
    runAll()
    expect([...shared].map((row) => (row as {n: number}).n)).toEqual([2, 3, 4, 5])
    expect([...taken].map((row) => (row as {n: number}).n)).toEqual([2, 3, 4, 5])
  })
})

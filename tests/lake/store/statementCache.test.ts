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

  test('an iteration over a statement the flood pushed out goes on to its end', () => {
    const cache = createStatementCache()
    const sql = 'SELECT n FROM t ORDER BY n'
    const statement = cache.take(sql, prepare)
    const rows = statement.iterate()
    expect(rows.next().value).toEqual({n: 1})
    // Every other statement of the cache, shared and idle, is let go of meanwhile.
    for (let i = 0; i < 2 * (PREPARED.entries + IDLE.shapes); i++) {
      cache.get(shape(i), prepare)
      cache.giveBack(shape(i), cache.take(shape(i), prepare))
    }
    cache.clear()
    expect([...rows].map((row) => (row as {n: number}).n)).toEqual([2, 3, 4, 5])
    cache.giveBack(sql, statement)
    expect(cache.take(sql, prepare)).toBe(statement)
  })
})

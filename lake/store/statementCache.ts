/**
 * A connection's prepared statements, by SQL text, within bounds. A query's field names, orders,
 * AND/OR trees, id prefixes and releases are in the SQL it makes, so any caller (anonymous ones of
 * a public dataset too) can make new texts without end; each prepared one holds about 30 bytes of
 * SQLite's memory a character of its SQL (8 kB for a 290-character select), for as long as it is
 * kept. The most recently used are kept: a shape the Studio or the front end asks again stays
 * prepared, a flood of new ones only pushes out the oldest. A statement let go of stays usable by
 * whoever still holds it (node:sqlite finalizes it only once it is garbage, or the connection
 * closes), so a suspended iteration over one is never broken by its eviction.
 */
import type {StatementSync} from 'node:sqlite'
import {createLru} from '../core/lru.ts'

/**
 * Statements kept for `get`, by count and by characters of SQL. The Studio and the front end make
 * few texts: on one connection at most 46 in eight e2e specs (100 over all connections), 71 in the
 * mixed load's newsroom day (2026-12-06). A quarter of a thousand keeps them all with room, and the
 * characters bound what long texts (an AND chain, many releases) hold: 256 k, about 7 MB.
 */
export const PREPARED = {entries: 256, weight: 256 * 1024}

/**
 * Idle statements for lazy iteration: at most IDLE_PER_SQL a text (concurrent iterations of one
 * shape each need their own), of at most `shapes` texts (the mixed load iterated 22 on one
 * connection) and `weight` characters of SQL in all, each statement counted.
 */
export const IDLE = {shapes: 64, weight: 256 * 1024}
export const IDLE_PER_SQL = 4

export interface StatementCache {
  /** The statement of `sql`, shared: for a call that runs it to its end before anything else. */
  get(sql: string, prepare: (sql: string) => StatementSync): StatementSync
  /** A statement of `sql` for its caller alone (a lazy iteration), until it is given back. */
  take(sql: string, prepare: (sql: string) => StatementSync): StatementSync
  /** Gives back a statement `take` gave, for the next iteration of `sql`. */
  giveBack(sql: string, statement: StatementSync): void
  /** Forgets every statement (a new index, a reopened file: they were planned without it). */
  clear(): void
  /** Statements kept, shared and idle. */
  held(): {shared: number; idle: number}
}

export function createStatementCache(): StatementCache {
  const shared = createLru<string, StatementSync>(PREPARED, (sql) => sql.length)
  const idle = createLru<string, StatementSync[]>(
    {entries: IDLE.shapes, weight: IDLE.weight},
    (sql, pool) => sql.length * pool.length,
  )
  return {
    get(sql, prepare) {
      let statement = shared.get(sql)
      if (!statement) shared.set(sql, (statement = prepare(sql)))
      return statement
    },
    take(sql, prepare) {
      const pool = idle.delete(sql)
      const statement = pool?.pop()
      // Set again to be weighed as it now is.
      if (pool && pool.length > 0) idle.set(sql, pool)
      return statement ?? prepare(sql)
    },
    giveBack(sql, statement) {
      const pool = idle.delete(sql) ?? []
      if (pool.length < IDLE_PER_SQL) pool.push(statement)
      idle.set(sql, pool)
    },
    clear() {
      shared.clear()
      idle.clear()
    },
    held() {
      let pooled = 0
      for (const [, pool] of idle.entries()) pooled += pool.length
      return {shared: shared.size, idle: pooled}
    },
  }
}

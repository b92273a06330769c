/**
 * Tests that slip another connection's write into the middle of a store's read, at one statement
 * (spied on), so the interleaving is the same on every run; their answers as groq-js's.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {StatementSync} from 'node:sqlite'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {evaluate} from 'groq-js'
import {afterEach, beforeEach, vi} from 'vitest'
import {parseQuery} from '../../lake/core/query.ts'
import {textQueryDereference} from '../../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../../lake/core/types.ts'
import {executeQuery} from '../../lake/query/execute.ts'
import analyzerTask from '../../lake/store/searchAnalyzerWorker.ts'
import type {SqliteStore} from '../../lake/store/sqliteStore.ts'

/**
 * A dataset file of its own for each test (its path, from the returned function); after each, the
 * spies are undone and the analyzer's task (run in this thread by these tests) closes its connections.
 */
export function datasetFile(prefix: string): () => string {
  let dir: string
  let path: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
    path = join(dir, 'test.sqlite')
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    analyzerTask({kind: 'close'})
    await rm(dir, {recursive: true, force: true})
  })
  return () => path
}

export type ReaderOf = (store: SqliteStore) => SqliteStore

/** The readers in the store's own process that cache parsed documents. */
export const cachingReaders: [string, ReaderOf][] = [
  ["the store's own connection", (store) => store],
  ['the committed view', (store) => store.committed() as SqliteStore],
]

/** Runs `body` on `store`, then closes it and the reader `body` opened with `open`. */
export async function withReader(
  store: SqliteStore,
  body: (open: (readerOf: ReaderOf) => SqliteStore) => Promise<void>,
): Promise<void> {
  const opened: SqliteStore[] = []
  try {
    await body((readerOf) => {
      const reader = readerOf(store)
      opened.push(reader)
      return reader
    })
  } finally {
    for (const reader of opened) if (reader !== store) reader.close()
    store.close()
  }
}

/** Runs `then` once, right after the first `all()` of a statement whose SQL `matches`. */
export function afterFirstAll(matches: (sql: string) => boolean, then: () => void): () => boolean {
  let done = false
  const original = StatementSync.prototype.all
  vi.spyOn(StatementSync.prototype, 'all').mockImplementation(function (
    this: StatementSync,
    ...args: unknown[]
  ) {
    const rows = (original as (...a: unknown[]) => unknown[]).apply(this, args)
    if (!done && matches(this.sourceSQL)) {
      done = true
      then()
    }
    return rows
  } as never)
  return () => done
}

const admin = {id: 'admin', kind: 'user', role: 'administrator'} as const

/** `query` run by the lake's engine on `reader`, raw, as an administrator. */
export function rawQuery(reader: SqliteStore, query: string, params: Record<string, unknown>) {
  return executeQuery(
    reader,
    {query, params, perspective: 'raw', apiVersion: '2025-02-19'},
    admin,
    {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
  )
}

/** `query` as groq-js answers it over `docs`. */
export async function groqJs(
  query: string,
  params: Record<string, unknown>,
  docs: SanityDocument[],
): Promise<unknown> {
  const value = await evaluate(parseQuery(query, params), {
    dataset: docs,
    params,
    dereference: textQueryDereference({documents: docs, params}),
  })
  return value.get()
}

/**
 * Anonymous callers cannot shape the dataset file (issue 9): expression indexes come only from
 * the queries of roles that write or from configuration (`--index`), never from anonymous or
 * viewer traffic.
 */
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, expect, test, vi} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false, serverOptions: {indexes: ['slug.current']}})
  const tx = lake.client().transaction()
  for (let i = 0; i < 20; i++) {
    tx.create({
      _id: `a${i}`,
      _type: 'article',
      f1: `v${i}`,
      f2: `v${i}`,
      f3: `v${i}`,
      slug: {current: `s${i}`},
    })
  }
  await tx.commit()
})

afterAll(async () => {
  await lake?.close()
})

/** The expression indexes in the dataset file, by the JSON path they index. */
function indexedPaths(): string[] {
  const db = new DatabaseSync(join(lake.dataDir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const rows = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
      .all() as {sql: string}[]
    return rows.map((row) => /'\$([^']*)'/.exec(row.sql)![1]).sort()
  } finally {
    db.close()
  }
}

async function anonymousQuery(query: string): Promise<unknown> {
  const res = await fetch(
    `${lake.url}/v2025-02-19/data/query/test?query=${encodeURIComponent(query)}`,
  )
  expect(res.status).toBe(200)
  return (await res.json()).result
}

test("declared paths are indexed; anonymous and viewer queries add none, editors' do", async () => {
  for (let i = 0; i < 4; i++) await anonymousQuery('*[f1 == "v1"]._id')
  // The declared one, at the dataset's first query.
  await vi.waitFor(() => expect(indexedPaths()).toEqual(['."slug"."current"']), {timeout: 10_000})
  const viewer = lake.client({
    token: (await lake.server.lake.auth!.store.createToken({label: 'v', role: 'viewer'})).token,
  })
  for (let i = 0; i < 4; i++) expect(await viewer.fetch('*[f3 == "v3"]._id')).toEqual(['a3'])
  // Nor do its ordered slices of a type (an editor's get an index of the type in that order).
  for (let i = 0; i < 4; i++) {
    expect(await viewer.fetch('*[_type == "article"] | order(f3 desc) [0...2]._id')).toEqual([
      'a9',
      'a8',
    ])
  }

  const client = lake.client()
  for (let i = 0; i < 2; i++) expect(await client.fetch('*[f2 == "v2"]._id')).toEqual(['a2'])
  // Built on the store's thread, between write groups.
  await vi.waitFor(() => expect(indexedPaths()).toEqual(['."f2"', '."slug"."current"']), {
    timeout: 10_000,
  })
  // Results stay right through the index.
  expect(await client.fetch('*[f2 == "v3"]._id')).toEqual(['a3'])
})

test("declared orders (`--order-index`) are indexed by type at the dataset's opening, whatever the traffic", async () => {
  // The Studio's list panes (studio/structure.ts): headlines by position, sources by name. The
  // articles' publishedAt is the side table's, read in order off its own index: none added.
  const declared = await startTestLake({
    tls: false,
    serverOptions: {orderIndexes: ['position', 'name desc', 'publishedAt desc']},
  })
  try {
    await declared.client().create({_id: 'h1', _type: 'headline', position: 1})
    const res = await fetch(
      `${declared.url}/v2025-02-19/data/query/test?query=${encodeURIComponent('*[_id == "h1"]._id')}`,
    )
    expect(res.status).toBe(200)
    const orderIndexes = () => {
      const file = join(declared.dataDir, 'datasets', 'test.sqlite')
      const db = new DatabaseSync(file, {readOnly: true})
      try {
        const rows = db
          .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
          .all() as {sql: string}[]
        return rows
          .map((row) => `${/'\$([^']*)'/.exec(row.sql)![1]}${/ DESC/.test(row.sql) ? ' desc' : ''}`)
          .sort()
      } finally {
        db.close()
      }
    }
    await vi.waitFor(() => expect(orderIndexes()).toEqual(['."name" desc', '."position"']), {
      timeout: 10_000,
    })
  } finally {
    await declared.close()
  }
})

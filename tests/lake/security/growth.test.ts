/**
 * State anyone can make the lake keep: per dataset name, per caller, per query text. Each kind is
 * bounded; each test names what grew without bound before.
 */
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import runOnWorker, {
  compiledFilters,
  heldStatements,
  heldStores,
  READ_IDLE_MS,
} from '../../../lake/query/worker.ts'
import {PUBLIC_READER} from '../../../lake/core/grants.ts'
import type {SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {IDLE, IDLE_PER_SQL, PREPARED} from '../../../lake/store/statementCache.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse} from '../listen/listeners.ts'

let lake: TestLake
const API = '/v2025-02-19'

beforeAll(async () => {
  // No test here checks the demotion: anonymous callers' queries run niced from their start
  // otherwise, and beside busy processes a thousand of them starve.
  lake = await startTestLake({tls: false, serverOptions: {queryDemoteAfterMs: Infinity}})
  await lake.client().createOrReplace({_id: 'seed', _type: 'article', title: 'বীজ'})
})
afterAll(async () => {
  await lake?.close()
})

/** A request's status, its body read and dropped. */
async function status(path: string, token: string | null = null): Promise<number> {
  const headers: Record<string, string> = token ? {authorization: `Bearer ${token}`} : {}
  const res = await fetch(`${lake.url}${API}${path}`, {headers})
  await res.arrayBuffer()
  return res.status
}

describe('the live API per dataset name', () => {
  it('keeps the state of at most 16 names never written, however many are queried', async () => {
    const live = lake.server.lake.context.live
    await status('/data/query/test?query=*')
    const before = live.size()
    for (let i = 0; i < 60; i++) {
      // Anonymous, as any web page could send them: each answer is remembered for syncTags.
      expect(await status(`/data/query/made-up-${i}?query=*[_type == "article"]`)).toBe(200)
      const stream = await openSse(`${lake.url}${API}/data/live/events/streamed-${i}`)
      await stream.until((m) => m.some((x) => x.event === 'welcome'))
      stream.close()
    }
    // Before: one state per name (about 12.5 kB of heap each, with its remembered question).
    expect(live.size()).toBeLessThanOrEqual(before + 16)
    // A hang guard, as for every case of this file that sends a flood: past 30 s at load 20.
  }, 120_000)

  it('a stream on a dataset never written hears the first write, whatever was named meanwhile', async () => {
    const dataset = 'first-write'
    const client = lake.client({dataset, apiVersion: 'vX'})
    const asked = (await client.fetch('*[_type == "article"]{title}', {}, {
      filterResponse: false,
      perspective: 'published',
    } as never)) as unknown as {syncTags: string[]}
    const stream = await openSse(`${lake.url}/vX/data/live/events/${dataset}`)
    try {
      await stream.until((m) => m.some((x) => x.event === 'welcome'))
      for (let i = 0; i < 40; i++) expect(await status(`/data/query/other-${i}?query=*`)).toBe(200)
      await client.create({_type: 'article', title: 'প্রথম'})
      const heard = await stream.until((m) =>
        m.some((x) => x.event === 'message' && x.data!.includes(asked.syncTags[0])),
      )
      expect(heard).toBeTruthy()
    } finally {
      stream.close()
    }
  }, 120_000)
})

describe('a query thread per dataset name', () => {
  it('keeps no store of a dataset never written, however many are queried', async () => {
    // The worker's module run here, as on a thread: each made-up name used to leave a store.
    const task = (dataset: string) => ({
      kind: 'query' as const,
      dataDir: lake.dataDir,
      dataset,
      request: {query: '*[_type == "article"]', params: {}, apiVersion: '2025-02-19'},
      principal: {id: 'anonymous', kind: 'anonymous' as const, role: null},
      now: Date.now(),
      projectId: 'local',
    })
    const seed = await runOnWorker(task('test'))
    expect(seed).toMatchObject({ok: true})
    const before = heldStores()
    for (let i = 0; i < 50; i++) {
      expect(await runOnWorker(task(`made-up-${i}`))).toMatchObject({ok: true, json: '[]'})
    }
    expect(heldStores()).toBe(before)
    // A dataset that exists keeps its store (and its connection) between queries.
    expect(before).toBeGreaterThanOrEqual(1)
  })

  it("lets go of a deleted dataset's store at its next task, whichever dataset that names", async () => {
    const {stores, deleteDataset} = lake.server.lake.context
    const task = (dataset: string) => ({
      kind: 'query' as const,
      dataDir: lake.dataDir,
      dataset,
      generation: stores.generation(),
      request: {query: '*[_type == "article"]._id', params: {}, apiVersion: '2025-02-19'},
      principal: {id: 'admin', kind: 'token' as const, role: 'administrator' as const},
      now: Date.now(),
      projectId: 'local',
    })
    for (const dataset of ['kept', 'gone']) {
      await lake.client({dataset}).create({_id: dataset, _type: 'article', title: dataset})
      expect(await runOnWorker(task(dataset))).toMatchObject({ok: true, json: `["${dataset}"]`})
    }
    await deleteDataset('gone')
    // Its connection held the deleted file, and the file's disk space, for as long as the thread
    // lived (query threads live as long as the lake) unless a task named "gone" again.
    expect(await runOnWorker(task('kept'))).toMatchObject({ok: true, json: '["kept"]'})
    expect(heldStores()).toBe(1)
  })
})

describe("a query thread's idle datasets", () => {
  it("lets go of a dataset's connection once the lake's clock has passed READ_IDLE_MS since its last query there, and opens it again for the next", async () => {
    // An idle dataset's connection on a query thread held some 2.4 MB (its page cache, its
    // statements) and its file handles for the thread's life, on each of the query threads.
    const task = (dataset: string, now: number) => ({
      kind: 'query' as const,
      dataDir: lake.dataDir,
      dataset,
      request: {query: '*[_type == "article"]._id', params: {}, apiVersion: '2025-02-19'},
      principal: {id: 'admin', kind: 'token' as const, role: 'administrator' as const},
      now,
      projectId: 'local',
    })
    for (const dataset of ['desk-a', 'desk-b']) {
      await lake.client({dataset}).create({_id: dataset, _type: 'article', title: dataset})
    }
    // The tasks' clock (the lake's), far past every other test's: theirs are idle by it.
    const start = Date.now() + 100 * READ_IDLE_MS
    expect(await runOnWorker(task('desk-a', start))).toMatchObject({json: '["desk-a"]'})
    expect(await runOnWorker(task('desk-b', start))).toMatchObject({json: '["desk-b"]'})
    expect(heldStores()).toBe(2)
    // Just short of the quiet period: kept.
    expect(await runOnWorker(task('desk-a', start + READ_IDLE_MS - 1))).toMatchObject({
      json: '["desk-a"]',
    })
    expect(heldStores()).toBe(2)
    // desk-b quiet for READ_IDLE_MS: let go at this thread's next task, whichever dataset it names.
    expect(await runOnWorker(task('desk-a', start + READ_IDLE_MS))).toMatchObject({
      json: '["desk-a"]',
    })
    expect(heldStores()).toBe(1)
    // Asked again, it is opened again, and sees what was written meanwhile.
    await lake.client({dataset: 'desk-b'}).create({_id: 'later', _type: 'article', title: 'পরে'})
    const again = await runOnWorker(task('desk-b', start + READ_IDLE_MS + 1))
    expect(JSON.parse((again as {json: string}).json).sort()).toEqual(['desk-b', 'later'])
    expect(heldStores()).toBe(2)
  })
})

describe("a query thread's compiled listener filters", () => {
  it('are bounded by their text, not only by their number', async () => {
    // Listener filters that are not of bounded cost are compiled and kept on a query thread; any
    // reader of a public dataset may open listeners. 18 kB each: 256 of them held 67 MB before.
    const filterOf = (i: number) => {
      const names = Array.from({length: 1900}, (_, k) => `"t${i}-${k}"`).join(',')
      return `*[_type == "article" && title in [${names}]]`
    }
    for (let i = 0; i < 100; i++) {
      const task = {
        kind: 'filter' as const,
        query: filterOf(i),
        params: {},
        identity: 'x',
        documents: [],
      }
      expect(await runOnWorker(task)).toMatchObject({ok: true})
    }
    expect(compiledFilters.weight).toBeLessThanOrEqual(1024 * 1024)
    expect(compiledFilters.size).toBeLessThan(100)
    // The most recent ones are kept: a listener's next event finds its filter compiled.
    expect(compiledFilters.peek(JSON.stringify([filterOf(99), {}, 'x']))?.filter).toBeTypeOf(
      'function',
    )
  }, 120_000)
})

describe("a dataset's prepared statements", () => {
  // Field names, orders, AND chains and slice bounds are in the SQL text a query makes: each new
  // one a statement (about 30 bytes of SQLite's memory a character of its SQL) on every
  // connection that runs it, the event loop's and each query thread's.
  const SHAPES = 4 * PREPARED.entries
  /** What a connection may keep: PREPARED shared, IDLE_PER_SQL of each of IDLE.shapes texts idle. */
  const bounded = (held: {shared: number; idle: number} | undefined) => {
    expect(held!.shared).toBeLessThanOrEqual(PREPARED.entries)
    expect(held!.idle).toBeLessThanOrEqual(IDLE.shapes * IDLE_PER_SQL)
  }
  const shapeOf = (i: number) =>
    [
      `*[f${i} == "x"]`,
      `*[_type == "article" && f${i} > 1] | order(publishedAt desc)[0...3]`,
      `*[_type == "article"] | order(f${i} desc)[0...3]`,
      `*[${Array.from({length: 1 + (i % 60)}, (_, k) => `_id in path("p${k}.*")`).join(' || ')}]`,
    ][i % 4]
  const dataset = 'shapes'

  beforeAll(async () => {
    lake.server.lake.context.visibility.set(dataset, 'public')
    await lake.client({dataset}).createOrReplace({_id: 'a', _type: 'article', section: 'খবর'})
  })

  const anonymous = async (query: string) => {
    const answer = await fetch(
      `${lake.url}${API}/data/query/${dataset}?query=${encodeURIComponent(query)}`,
    )
    expect(answer.status).toBe(200)
    return ((await answer.json()) as {result: unknown}).result
  }

  it("are bounded on the event loop's connection, however many shapes anonymous callers send; a hot shape stays prepared", async () => {
    const view = lake.server.lake.context.stores.get(dataset).committed() as SqliteStore
    // A lookup by slug: answered in place, on the committed view's connection.
    const hot = '*[_type == "article" && slug.current == "x"][0]{_id}'
    const hotSql = new Set<string>()
    const prepared: string[] = []
    const prepare = DatabaseSync.prototype.prepare
    const spy = vi.spyOn(DatabaseSync.prototype, 'prepare').mockImplementation(function (
      this: DatabaseSync,
      sql: string,
    ) {
      prepared.push(sql)
      return prepare.call(this, sql)
    })
    try {
      await anonymous(hot)
      for (const sql of prepared) hotSql.add(sql)
      expect(hotSql.size).toBeGreaterThan(0)
      for (let i = 0; i < SHAPES; i++) {
        await anonymous(shapeOf(i))
        if (i % 10 === 0) {
          prepared.length = 0
          expect(await anonymous(hot)).toBe(null)
          // Asked again among the flood, its statements were kept: none is prepared again.
          expect(prepared.filter((sql) => hotSql.has(sql))).toEqual([])
        }
      }
    } finally {
      spy.mockRestore()
    }
    // Before: every shape's statements, kept for the lake's life (the count is in docs/security.md).
    bounded(view.statementsHeld())
    // 1,124 requests, about 8 s of CPU: 62 s at load 13 (vitest's 30 s failed at load 8); at load
    // 30 a process gets a fifteenth of a core.
  }, 240_000)

  it("are bounded on a query thread's connection", async () => {
    const task = (query: string) => ({
      kind: 'query' as const,
      dataDir: lake.dataDir,
      dataset,
      request: {query, params: {}, apiVersion: '2025-02-19'},
      principal: PUBLIC_READER,
      now: Date.now(),
      projectId: 'local',
    })
    for (let i = 0; i < SHAPES; i++) {
      expect(await runOnWorker(task(shapeOf(i)))).toMatchObject({ok: true})
    }
    bounded(heldStatements(lake.dataDir, dataset))
  }, 120_000)
})

describe('datasets written', () => {
  // Each dataset written keeps its SQLite connections open (8 file descriptors, about 1.6 MB):
  // an editor writing to made-up names, 122 of them at a limit of 1,024 descriptors (2,500 at
  // 20,000), left the lake unable to open any file, its next write a 503 saying it might not be
  // on disk and every dataset's writes stopped until a restart.
  const MAX = 3
  let small: TestLake
  beforeAll(async () => {
    small = await startTestLake({tls: false, env: {LAKE_MAX_DATASETS: String(MAX)}})
  })
  afterAll(async () => {
    await small?.close()
  })

  async function post(path: string, body: BodyInit, type = 'application/json') {
    const res = await fetch(`${small.url}${API}${path}`, {
      method: 'POST',
      headers: {authorization: `Bearer ${small.token}`, 'content-type': type},
      body,
    })
    return {status: res.status, body: (await res.json()) as {message?: string}}
  }
  const create = (dataset: string, id = 'a') =>
    post(
      `/data/mutate/${dataset}`,
      JSON.stringify({mutations: [{create: {_id: id, _type: 'article', title: 'ক'}}]}),
    )

  it(`past ${MAX}, a first write to another name is a 403 saying so; nothing of it is made`, async () => {
    const datasets = small.server.lake.datasets
    // Written at once, side by side: the limit holds for first writes that race.
    const first = await Promise.all(
      Array.from({length: 8}, (_, i) => create(`raced-${i}`).then((answer) => answer.status)),
    )
    expect(first.filter((status) => status === 200)).toHaveLength(MAX)
    expect(first.filter((status) => status === 403)).toHaveLength(8 - MAX)
    expect(datasets.list()).toHaveLength(MAX)

    const refused = await create('one-too-many')
    expect(refused.status).toBe(403)
    expect(refused.body.message).toMatch(new RegExp(`${MAX} datasets`))
    expect(refused.body.message).toMatch(/LAKE_MAX_DATASETS/)
    // An upload is refused before its bytes are read, and leaves no file.
    const upload = await post('/assets/files/one-too-many', 'x'.repeat(1000), 'text/plain')
    expect(upload.status).toBe(403)
    expect(datasets.list()).toHaveLength(MAX)
    expect(datasets.list()).not.toContain('one-too-many')

    // The datasets it has take writes and answer reads as before; a name never written reads empty.
    const kept = datasets.list()[0]
    expect((await create(kept, 'b')).status).toBe(200)
    const read = await fetch(`${small.url}${API}/data/query/one-too-many?query=count(*)`, {
      headers: {authorization: `Bearer ${small.token}`},
    })
    expect(await read.json()).toMatchObject({result: 0})

    // An administrator creating one more is told so, not told it was made.
    const admin = (
      await small.server.lake.auth!.store.createToken({label: 'admin', role: 'administrator'})
    ).token
    const put = async (name: string) => {
      const res = await fetch(`${small.url}${API}/datasets/${name}`, {
        method: 'PUT',
        headers: {authorization: `Bearer ${admin}`, 'content-type': 'application/json'},
        body: '{}',
      })
      return {status: res.status, body: (await res.json()) as {message?: string}}
    }
    const created = await put('made-by-admin')
    expect(created.status).toBe(403)
    expect(created.body.message).toMatch(/LAKE_MAX_DATASETS/)
    // One it has is still answered as made.
    expect((await put(kept)).status).toBe(200)
  })
})

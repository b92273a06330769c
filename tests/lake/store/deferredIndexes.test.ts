/**
 * A bulk load leaves four of the side table's indexes out (fields.ts DEFERRED_INDEXES: the three
 * date-ordered ones and the titles' lengths'), dropped in a streamed batch's own SQL transaction,
 * and they are built again one a step on the checkpointer's thread at the first quiet moment or,
 * while single-document writes go on, once the load has stopped for DEFER_BOUND_MS
 * (docs/query-engine.md). Queries meanwhile read every acknowledged document by other plans; a
 * lake killed in between builds them at its next open.
 */
import {type SanityClient} from '@sanity/client'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import type {Selection} from '../../../lake/core/store.ts'
import type {SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {
  createWalCheckpointer,
  type CheckpointTask,
  type WalCheckpointer,
} from '../../../lake/store/walCheckpointer.ts'
import {createTestLake, lakeClient, type InProcessLake} from '../../helpers/lake.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const DEFERRED = [
  'fields_type_published',
  'fields_section_published',
  'fields_source_published',
  'fields_title_length',
]

type Article = {
  _id: string
  _type: 'article'
  title: string
  publishedAt: string
  section: {_ref: string}
  source: {_ref: string}
}

/** Article `n`: a date of its own (no ties), one of 7 sections and 5 sources, titles of 8-57 characters. */
function article(n: number): Article & Record<string, unknown> {
  return {
    _id: `article-${n}`,
    _type: 'article',
    title: `শিরোনাম ${'ক'.repeat(n % 50)}`,
    publishedAt: new Date(Date.UTC(2025, 0, 1) + ((n * 7919) % 100_000) * 60_000).toISOString(),
    section: {_ref: `section-${n % 7}`},
    source: {_ref: `source-${n % 5}`},
    // About 1.3 kB each: a batch of 1,000 is between 1 and 2 MiB, a bulk load's (streamed:
    // lake/core/writes.ts bulkWork; past 2 MiB its body is read on a thread instead). Latin, so
    // its characters (what the weighing counts) are its bytes.
    body: 'khobor songbad '.repeat(80),
  }
}

/** A batch of `n` articles from `from` as the bulk load sends it: one transaction of createOrReplace. */
async function load(client: SanityClient, from: number, n: number): Promise<Article[]> {
  const docs = Array.from({length: n}, (_, i) => article(from + i))
  const tx = client.transaction()
  for (const doc of docs) tx.createOrReplace(doc)
  await tx.commit({visibility: 'async'})
  return docs
}

/** The four reads the deferred indexes serve, and what they must answer over `docs`. */
const READS: {query: string; expected: (docs: Article[]) => unknown}[] = [
  {
    query: '*[_type == "article"] | order(publishedAt desc)[0...20]._id',
    expected: (docs) => byDate(docs).slice(0, 20),
  },
  {
    query:
      '*[_type == "article" && section._ref == "section-3"] | order(publishedAt desc)[20...40]._id',
    expected: (docs) => byDate(docs.filter((d) => d.section._ref === 'section-3')).slice(20, 40),
  },
  {
    query:
      '*[_type == "article" && source._ref == "source-2"] | order(publishedAt desc)[0...20]._id',
    expected: (docs) => byDate(docs.filter((d) => d.source._ref === 'source-2')).slice(0, 20),
  },
  {
    query: 'count(*[_type == "article" && length(title) > 50])',
    expected: (docs) => docs.filter((d) => d.title.length > 50).length,
  },
  {query: 'count(*[_type == "article"])', expected: (docs) => docs.length},
]

function byDate(docs: Article[]): string[] {
  return [...docs].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt)).map((d) => d._id)
}

async function expectAnswers(client: SanityClient, docs: Article[]) {
  for (const {query, expected} of READS) {
    expect(await client.fetch(query, {}, {perspective: 'published'}), query).toEqual(expected(docs))
  }
}

/** The side table's indexes in the file now, their SQL, and their sqlite_stat1 figures. */
function fileIndexes(dataDir: string) {
  const db = new DatabaseSync(join(dataDir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const indexes = db
      .prepare(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'fields' ORDER BY name",
      )
      .all() as {name: string; sql: string}[]
    const stats = db
      .prepare("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'fields' ORDER BY idx")
      .all()
    const documents = Number(db.prepare('SELECT count(*) AS n FROM documents').get()!.n)
    return {
      indexes,
      stats,
      documents,
      present: DEFERRED.map((name) => indexes.some((i) => i.name === name)),
    }
  } finally {
    db.close()
  }
}

/** The selections of the reads above as the store plans them (Store.seeks: by an index's seek). */
const SELECTIONS: Selection[] = [
  {
    where: {kind: 'type', types: ['article']},
    order: [{field: 1, desc: true}],
    excludeIdPrefixes: ['drafts.', 'versions.'],
  },
  {
    where: {
      kind: 'and',
      of: [
        {kind: 'type', types: ['article']},
        {kind: 'equals', field: 2, values: ['section-3']},
      ],
    },
    order: [{field: 1, desc: true}],
    excludeIdPrefixes: ['drafts.', 'versions.'],
  },
]
const seeks = (store: SqliteStore) =>
  SELECTIONS.map((selection) => store.committed().seeks({selection}))

/**
 * The lake's checkpointer with every rebuild step from `hold()` on held until the test lets it go
 * (`next()`), each held step's start heard (`started`). Not during the load: the test's reads
 * between its batches may outlast the bound, and a step then comes before the next batch.
 */
function heldRebuilds(): {
  checkpointer: WalCheckpointer
  steps: string[]
  started: () => Promise<void>
  next: () => void
  releaseAll: () => void
  hold: () => void
} {
  const thread = createWalCheckpointer()
  const steps: string[] = []
  const gates: (() => void)[] = []
  let free = false
  let holding = false
  let heard: (() => void) | null = null
  return {
    checkpointer: {
      async checkpoint(task: CheckpointTask) {
        const rebuild = task.rebuild
        if (rebuild !== undefined && holding && !free) {
          steps.push(rebuild)
          heard?.()
          await new Promise<void>((resolve) => gates.push(resolve))
        }
        return thread.checkpoint(task)
      },
      close: () => thread.close(),
    },
    steps,
    hold: () => (holding = true),
    started: () => new Promise<void>((resolve) => (heard = resolve)),
    next: () => gates.shift()?.(),
    releaseAll: () => {
      free = true
      for (const gate of gates.splice(0)) gate()
    },
  }
}

/**
 * An in-process lake whose every rebuild step is held (`heldRebuilds`) until the test lets it go:
 * what a batch dropped stays dropped. Closed, and its steps let go, after the test.
 */
async function lakeWithRebuildsHeld(options: {deferBoundMs?: number} = {}) {
  const held = heldRebuilds()
  held.hold()
  const lake: InProcessLake = await createTestLake({checkpointer: held.checkpointer, ...options})
  cleanup.push(() => lake.close())
  cleanup.push(() => held.releaseAll())
  const client = lake.client({maxRetries: 0})
  const store = lake.lake.context.stores.get('test') as SqliteStore
  return {held, lake, client, store}
}

/** Writes `docs` in transactions of 50, each in place (under BULK_STREAM_BYTES: not streamed). */
async function writeInPlace(client: SanityClient, docs: Article[]) {
  for (let i = 0; i < docs.length; i += 50) {
    const seed = client.transaction()
    for (const doc of docs.slice(i, i + 50)) seed.createOrReplace(doc)
    await seed.commit({visibility: 'async'})
  }
}

test(
  'a bulk load drops the four indexes with its batch, every read sees every acknowledged document, and they are back within the bound under a trickle of writes',
  {timeout: 180_000},
  async () => {
    const held = heldRebuilds()
    const lake: InProcessLake = await createTestLake({checkpointer: held.checkpointer})
    cleanup.push(() => lake.close())
    const client = lake.client({maxRetries: 0})
    const docs: Article[] = [article(0)]
    await client.createOrReplace(docs[0])
    const store = lake.lake.context.stores.get('test') as SqliteStore
    const before = fileIndexes(lake.dataDir)
    expect(before.present).toEqual([true, true, true, true])
    expect(seeks(store)).toEqual([true, true])

    // Single-document writes one after another for the whole test: the dataset is never quiet,
    // so only the bound after the load can bring the indexes back.
    let stop = false
    const trickled: string[] = []
    const on: {acknowledged?: () => void} = {}
    const trickle = (async () => {
      for (let i = 0; !stop; i++) {
        const id = `note-${i}`
        await client.createOrReplace({_id: id, _type: 'note', n: i})
        trickled.push(id)
        on.acknowledged?.()
      }
    })()
    cleanup.push(async () => {
      stop = true
      held.releaseAll()
      await trickle.catch(() => undefined)
    })

    for (let batch = 0; batch < 4; batch++) {
      docs.push(...(await load(client, 1 + batch * 1000, 1000)))
      // The batch's transaction left them out; the rest of the side table's are there.
      const now = fileIndexes(lake.dataDir)
      expect(now.present).toEqual([false, false, false, false])
      expect(now.indexes.map((i) => i.name)).toContain('fields_slug')
      // The store's plans are not the ones it read with the indexes.
      expect(seeks(store)).toEqual([false, false])
      await expectAnswers(client, docs)
    }

    // The steps from here come while the trickle goes on; a write that arrives during one is
    // answered after that step alone, while the next one is held.
    held.hold()
    if (held.steps.length === 0) await held.started()
    const [first] = held.steps
    expect(DEFERRED).toContain(first)
    const count = trickled.length
    const answered = new Promise<void>((resolve) => {
      on.acknowledged = () => {
        if (trickled.length > count) resolve()
      }
    })
    const second = held.started()
    held.next()
    await second
    await answered
    expect(held.steps.length).toBe(2)
    await expectAnswers(client, docs)

    const rebuilt = store.deferredIndexes().rebuilt
    held.releaseAll()
    await rebuilt
    expect(store.deferredIndexes().names).toEqual([])
    stop = true
    await trickle

    // The same indexes, figures and plans as before the load, and every document.
    const after = fileIndexes(lake.dataDir)
    expect(after.indexes).toEqual(before.indexes)
    expect(after.stats).toEqual(before.stats)
    expect(after.documents).toBe(docs.length + trickled.length)
    expect(seeks(store)).toEqual([true, true])
    await expectAnswers(client, docs)
    expect(await client.fetch('count(*[_type == "note"])')).toBe(trickled.length)
  },
)

test(
  'a lake killed between the drop and the rebuild builds the indexes at its next open, nothing lost',
  {timeout: 180_000},
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lake-deferred-'))
    cleanup.push(() => rm(dataDir, {recursive: true, force: true}))
    const env = {...process.env, LAKE_ADMIN_PASSWORD: 'deferred-indexes-password'}
    // The deadline is not what this checks: the first read after the restart, behind the open
    // that builds the four indexes, passed the default 10 s at load 20.
    const args = ['--query-timeout', '120']
    let lake: LakeProcess = await startLakeProcess({dataDir, tls: false, env, args})
    cleanup.push(() => lake.kill())
    let client = lakeClient(lake, {maxRetries: 0})
    await client.createOrReplace(article(0))
    const before = fileIndexes(dataDir)
    const docs: Article[] = [article(0)]
    docs.push(...(await load(client, 1, 1000)))
    docs.push(...(await load(client, 1001, 1000)))
    // Killed at once: no quiet moment and no bound came between the last batch and the kill.
    await lake.kill()
    const killed = fileIndexes(dataDir)
    expect(killed.present).toEqual([false, false, false, false])
    expect(killed.documents).toBe(docs.length)

    lake = await startLakeProcess({dataDir, tls: false, env, args})
    client = lakeClient(lake, {maxRetries: 0})
    await expectAnswers(client, docs)
    const after = fileIndexes(dataDir)
    expect(after.indexes).toEqual(before.indexes)
    expect(after.stats).toEqual(before.stats)
    expect(after.documents).toBe(docs.length)
  },
)

/** Headline `n`: about 250 bytes, as the archive's (bench/data.ts); 1,000 of them weigh about 250 kB. */
function headline(n: number) {
  return {
    _id: `headline-${n}`,
    _type: 'headline',
    text: `শিরোনাম ${n} ${'khobor songbad '.repeat(8)}`,
    position: 1 + (n % 12),
    article: {_type: 'reference', _ref: `article-${n % 100}`},
  }
}

test(
  'a bulk batch of many small documents (well under 1 MiB) is streamed as a load batch: it drops the four indexes too',
  {timeout: 180_000},
  async () => {
    const {lake, client} = await lakeWithRebuildsHeld()
    const docs: Article[] = [article(0)]
    await client.createOrReplace(docs[0])
    expect(fileIndexes(lake.dataDir).present).toEqual([true, true, true, true])

    const headlines = Array.from({length: 1000}, (_, i) => headline(i))
    const tx = client.transaction()
    for (const doc of headlines) tx.createOrReplace(doc)
    await tx.commit({visibility: 'async'})
    // Written in place on the event loop before, the indexes kept: a load of the archive wrote
    // its third of headlines there, pacing the load.
    expect(fileIndexes(lake.dataDir).present).toEqual([false, false, false, false])
    expect(await client.fetch('count(*[_type == "headline"])')).toBe(1000)
    expect(await client.fetch('*[_id == "headline-7"][0]')).toMatchObject(headlines[7])
    await expectAnswers(client, docs)
  },
)

/** Article `n` of about 50 kB: 25 of them are a streamed batch (past 1 MiB) of few documents. */
function longArticle(n: number): Article & Record<string, unknown> {
  return {...article(n), body: 'khobor songbad '.repeat(3300)}
}

test(
  'a lone streamed batch small against the dataset writes the four indexes; the next batch of a load drops them',
  {timeout: 180_000},
  async () => {
    // Every rebuild step held: what a batch dropped stays dropped until the test lets it go. The
    // second batch comes within a bound no slow machine outlasts (a load under way).
    const {held, lake, client, store} = await lakeWithRebuildsHeld({deferBoundMs: 600_000})
    // 300 documents in six transactions of 50, not streamed.
    const docs: Article[] = Array.from({length: 300}, (_, i) => article(i))
    await writeInPlace(client, docs)
    const before = fileIndexes(lake.dataDir)
    expect(before.present).toEqual([true, true, true, true])

    // 25 documents, under a tenth of the dataset's, and no batch before it: written as before.
    const batch = async (from: number) => {
      const tx = client.transaction()
      const batchDocs = Array.from({length: 25}, (_, i) => longArticle(from + i))
      for (const doc of batchDocs) tx.createOrReplace(doc)
      await tx.commit({visibility: 'async'})
      docs.push(...batchDocs)
    }
    await batch(1000)
    expect(store.deferredIndexes().names).toEqual([])
    expect(fileIndexes(lake.dataDir).present).toEqual([true, true, true, true])
    expect(seeks(store)).toEqual([true, true])
    await expectAnswers(client, docs)

    // At once another: a load is under way, so its transaction drops them.
    await batch(2000)
    expect(store.deferredIndexes().names).toEqual(DEFERRED)
    expect(fileIndexes(lake.dataDir).present).toEqual([false, false, false, false])
    await expectAnswers(client, docs)

    const rebuilt = store.deferredIndexes().rebuilt
    held.releaseAll()
    await rebuilt
    const after = fileIndexes(lake.dataDir)
    expect(after.indexes).toEqual(before.indexes)
    expect(after.stats).toEqual(before.stats)
    expect(after.documents).toBe(docs.length)
    expect(seeks(store)).toEqual([true, true])
    await expectAnswers(client, docs)
  },
)

test(
  'ordinary publishes and a few long replaces are not a load: past 128 kB with what they replace, they keep the four indexes',
  {timeout: 180_000},
  async () => {
    // Every rebuild step held and a bound no slow machine outlasts: a batch counted as a load's
    // would leave the indexes dropped for the assertions below.
    const {lake, client, store} = await lakeWithRebuildsHeld({deferBoundMs: 600_000})
    const seeded: Article[] = Array.from({length: 200}, (_, i) => article(i))
    await writeInPlace(client, seeded)
    // Two long articles (about 45 kB each), published and with a draft each.
    const long = (n: number, edit: string) => ({
      ...article(n),
      body: `${edit} ${'khobor songbad '.repeat(3000)}`,
    })
    for (const n of [1, 2]) {
      await client.createOrReplace(long(n, 'first'))
      await client.createOrReplace({...long(n, 'edited'), _id: `drafts.article-${n}`})
    }
    expect(fileIndexes(lake.dataDir).present).toEqual([true, true, true, true])

    // The older publish shape: the draft replaces the published document and is deleted. New,
    // replaced and deleted bodies together weigh about 135 kB each.
    for (const n of [1, 2]) {
      await client
        .transaction()
        .createOrReplace(long(n, 'edited'))
        .delete(`drafts.article-${n}`)
        .commit()
      expect(store.deferredIndexes().names).toEqual([])
      expect(fileIndexes(lake.dataDir).present).toEqual([true, true, true, true])
    }
    expect(await client.getDocument('drafts.article-1')).toBeUndefined()
    expect(await client.fetch('*[_id == "article-2"][0].body')).toMatch(/^edited /)

    // A few long replaces in one transaction, twice at once: each about 180 kB with what it
    // replaces.
    for (const edit of ['again', 'once more']) {
      const tx = client.transaction()
      for (const n of [1, 2, 3, 4]) tx.createOrReplace(long(n, edit))
      await tx.commit()
      expect(store.deferredIndexes().names).toEqual([])
      expect(fileIndexes(lake.dataDir).present).toEqual([true, true, true, true])
    }
    expect(await client.fetch('*[_id == "article-4"][0].body')).toMatch(/^once more /)
    expect(seeks(store)).toEqual([true, true])
    await expectAnswers(client, seeded)
  },
)

/**
 * The full-text index behind a bulk load (docs/search.md, "Filled after the commit"): the lake
 * answers writes before the analyzer has caught up (a queue of many thousand documents, analysed
 * below the event loop's priority), and every document still queued is a candidate of every
 * search. So a search while the queue is long answers what groq-js (for `match`) and the same lake
 * once indexed (for `text::query`, which groq-js cannot run) answer; and the queue, durable with
 * the documents, is indexed after the load, and after the lake is killed mid-load and restarted.
 * The lake runs as its own process, with its real analyzer thread, which the test holds
 * (analyzerHeld.ts) while documents must wait for it: the searches compared only when documents
 * happened to be queued still, which a fast analyzer left none of (the test could not fail).
 */
import {mkdtemp, rm, unlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {evaluate, parse} from 'groq-js'
import {afterAll, expect, test} from 'vitest'
import {archiveDocuments, archiveOf, type BenchDocument} from '../../../bench/data.ts'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {SEARCH_ARTICLES_QUERY} from '../../../queries/index.ts'
import {lakeClient} from '../../helpers/lake.ts'

const MATCH = '*[_type == "article" && title match $word] | order(_id) {_id, title}'
const SCRIPT = new URL('./lakeHeldAnalyzer.ts', import.meta.url).pathname

let lake: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await lake?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
  if (dataDir) await rm(`${dataDir}.analyzer-held`, {force: true})
})

/** Documents waiting for the index, read off the dataset's file beside the running lake. */
function queued(dir: string): number {
  const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const row = db
      .prepare(
        'SELECT (SELECT count(*) FROM search_queue) + (SELECT count(*) FROM search_reindex) AS n',
      )
      .get() as {n: number}
    return Number(row.n)
  } finally {
    db.close()
  }
}

/**
 * Until nothing waits for the index, failing once the queue has not shrunk for `stalledMs`: a lake
 * that stopped indexing. Not a deadline for the whole queue: past 2,000 queued the analyzer runs 10
 * nice steps down, and beside busy processes it gets a sliver of a core.
 */
async function caughtUp(dir: string, stalledMs = 120_000): Promise<void> {
  let last = queued(dir)
  let shrunkAt = Date.now()
  while (last > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = queued(dir)
    if (now < last) shrunkAt = Date.now()
    else if (Date.now() - shrunkAt > stalledMs) {
      throw new Error(`${now} documents still wait for the index, none indexed for ${stalledMs} ms`)
    }
    last = now
  }
}

/** groq-js over the given documents' published ones (the client's perspective). */
async function groqJs(docs: BenchDocument[], query: string, params: Record<string, unknown>) {
  const published = docs.filter((doc) => !doc._id.includes('.'))
  return (await evaluate(parse(query), {dataset: published, params})).get()
}

test('a search while thousands of documents wait for the index answers as groq-js and the indexed lake do, and the queue is indexed after the load and after SIGKILL mid-load', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-bulk-index-'))
  // While this file exists the analyzer reads nothing (analyzerHeld.ts); beside the data folder,
  // which the lake keeps to its own files.
  const gate = `${dataDir}.analyzer-held`
  const env = {
    ...process.env,
    LAKE_ADMIN_PASSWORD: 'bulk-index-test-password',
    HELD_ANALYZER_GATE: gate,
  }
  const start = () => startLakeProcess({dataDir: dataDir!, tls: false, env, script: SCRIPT})
  await writeFile(gate, '')
  lake = await start()
  // Sources first, then articles, drafts and headlines that reference them: 6,462 documents.
  const docs = archiveDocuments(archiveOf(4000))
  const articles = docs.filter((doc) => doc._type === 'article')
  // A title's rare last word (a name) of an early article and of a late one (found only once
  // that part is loaded), and a common first word (`match` only: the search would score 1,000s).
  const titleWords = (doc: BenchDocument) => String(doc.title).split(' ')
  const words = [articles[10], articles[articles.length - 10]].map((doc) => titleWords(doc).at(-1)!)
  const matched = [...words, titleWords(articles[10])[0]]
  const search = {search: words[0], limit: 20}

  const load = async (client: ReturnType<typeof lakeClient>, from: number, to: number) => {
    await client.mutate(
      docs.slice(from, to).map((doc) => ({createOrReplace: doc})),
      {visibility: 'sync', returnDocuments: false},
    )
  }

  // The first 5,000 in transactions of 1,000, each searched right after its answer, with every
  // document loaded so far waiting for the index (before the searches and after them).
  let client = lakeClient(lake, {maxRetries: 0})
  for (let from = 0; from < 5000; from += 1000) {
    await load(client, from, from + 1000)
    expect(queued(dataDir)).toBe(from + 1000)
    const loaded = docs.slice(0, from + 1000)
    for (const word of matched) {
      expect(await client.fetch(MATCH, {word}), word).toEqual(await groqJs(loaded, MATCH, {word}))
    }
  }
  const searchedQueued = await client.fetch(SEARCH_ARTICLES_QUERY, search)
  expect(queued(dataDir)).toBe(5000)
  await unlink(gate)
  await caughtUp(dataDir)
  const searchedIndexed = await client.fetch(SEARCH_ARTICLES_QUERY, search)
  expect(searchedIndexed.length).toBeGreaterThan(0)
  expect(searchedQueued).toEqual(searchedIndexed)

  // The rest: one transaction answered, the next in flight when the lake is killed, the analyzer
  // held so that the answered one is still queued.
  await writeFile(gate, '')
  await load(client, 5000, 5500)
  const killedWith = queued(dataDir)
  const inFlight = load(client, 5500, docs.length).then(
    () => true,
    () => false,
  )
  await lake.kill()
  const lastAcknowledged = await inFlight
  expect(killedWith).toBe(500)

  await unlink(gate)
  lake = await start()
  client = lakeClient(lake, {maxRetries: 0})
  const stored = new Set<string>(await client.fetch('*._id', {}, {perspective: 'raw'}))
  const kept = docs.filter((doc) => stored.has(doc._id))
  // Every acknowledged write is there; the one in flight wholly or not at all.
  expect(lastAcknowledged ? [docs.length] : [5500, docs.length]).toContain(kept.length)
  const afterRestart = await client.fetch(SEARCH_ARTICLES_QUERY, {search: words[1], limit: 20})
  expect(afterRestart.length).toBeGreaterThan(0)
  await caughtUp(dataDir)
  for (const word of matched) {
    expect(await client.fetch(MATCH, {word}), word).toEqual(await groqJs(kept, MATCH, {word}))
  }
  expect(await client.fetch(SEARCH_ARTICLES_QUERY, {search: words[1], limit: 20})).toEqual(
    afterRestart,
  )
  // A hang guard: 180 s to the failure above at load 25.
}, 600_000)

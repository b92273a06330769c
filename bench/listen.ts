/**
 * `node bench/listen.ts`: listener throughput and mendoza patch sizes, as ratios against baselines
 * from this same run (no thresholds, no assertions).
 *
 * - Commit rate of single-document transactions with no listener (baseline) and with listeners
 *   attached, and the rate at which a listener receives their events.
 * - Delivery rate of a burst: transactions of 100 documents each, from the first commit to the last
 *   event received, for 1 and 10 listeners.
 * - The lake's CPU a single-document write with 500 listeners on one filter (includeResult, mendoza
 *   effects, spread over 5 tokens as Studio tabs would be), against the same writes with none.
 * - Effects size for small edits (one field, one paragraph) relative to the document's JSON.
 *
 * The lake runs in its own process (bench/lake-process.ts), so client and server do not share an
 * event loop. Prints a Markdown table.
 */
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createMendozaPatch} from '../lake/core/mendoza.ts'
import {newsroomDocuments, type BenchDocument} from './data.ts'
import {cpuSecondsOf, startLake} from './lake.ts'

const API = 'v2025-02-19'
const DATASET = 'bench'

type Lake = Awaited<ReturnType<typeof startLake>>

async function mutate(lake: Lake, mutations: unknown[]): Promise<void> {
  const res = await fetch(`${lake.url}/${API}/data/mutate/${DATASET}`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  if (!res.ok) throw new Error(`mutate: ${res.status} ${await res.text()}`)
  await res.arrayBuffer()
}

/** A raw SSE listener that counts mutation events and resolves when `expected` have arrived. */
async function countingListener(lake: Lake, query: string, token = lake.token) {
  const abort = new AbortController()
  const search = new URLSearchParams({query, effectFormat: 'mendoza', includeResult: 'true'})
  const res = await fetch(`${lake.url}/${API}/data/listen/${DATASET}?${search}`, {
    headers: {authorization: `Bearer ${token}`},
    signal: abort.signal,
  })
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let count = 0
  let buffer = ''
  let welcomed = () => {}
  const welcome = new Promise<void>((resolve) => (welcomed = resolve))
  const waiters: {n: number; resolve: (at: number) => void}[] = []
  void (async () => {
    try {
      for (;;) {
        const {done, value} = await reader.read()
        if (done) break
        buffer += decoder.decode(value, {stream: true})
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (block.startsWith('event: welcome')) welcomed()
          if (block.startsWith('event: mutation')) count++
        }
        const now = performance.now()
        for (const waiter of waiters.splice(0)) {
          if (count >= waiter.n) waiter.resolve(now)
          else waiters.push(waiter)
        }
      }
    } catch {
      // Aborted at the end of the run.
    }
  })()
  await welcome
  return {
    count: () => count,
    /** Resolves with the time the `n`th event arrived. */
    reached: (n: number) =>
      new Promise<number>((resolve) => {
        if (count >= n) resolve(performance.now())
        else waiters.push({n, resolve})
      }),
    close: () => abort.abort(),
  }
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1))

async function commitRate(lake: Lake, prefix: string, count: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    await mutate(lake, [
      {createOrReplace: {_id: `${prefix}-${i}`, _type: 'article', title: `শিরোনাম ${i}`}},
    ])
  }
  return count / ((performance.now() - started) / 1000)
}

/** Editor tokens made in `dataDir` before its lake starts (each may hold 100 listeners). */
export function benchTokens(dataDir: string, count: number): string[] {
  const cli = join(import.meta.dirname, '../lake/cli.ts')
  return Array.from({length: count}, () =>
    execFileSync(process.execPath, [cli, 'tokens', 'create', '--data', dataDir], {
      encoding: 'utf8',
    }).trim(),
  )
}

/**
 * The lake's CPU (all its threads, /proc) a write of one small article, `writes` in a row, with
 * `listeners` open on one filter (includeResult, mendoza effects), the listeners' tokens taken in
 * turn; counted once every listener has heard the last write. Returns milliseconds a write.
 */
export async function cpuPerWrite(
  lake: Lake,
  tokens: string[],
  listeners: number,
  writes: number,
  prefix: string,
): Promise<number> {
  const query = '*[_type == "article" && section == "খেলা"]'
  const all = []
  // A few at a time: 500 at once is a burst of connections the lake answers with 429s.
  for (let i = 0; i < listeners; i += 50) {
    const batch = Math.min(50, listeners - i)
    all.push(
      ...(await Promise.all(
        Array.from({length: batch}, (_, j) =>
          countingListener(lake, query, tokens[(i + j) % tokens.length]),
        ),
      )),
    )
  }
  const pid = lake.child.pid!
  const before = cpuSecondsOf(pid)!
  for (let i = 0; i < writes; i++) {
    await mutate(lake, [
      {
        createOrReplace: {
          _id: `${prefix}-${i % 10}`,
          _type: 'article',
          section: 'খেলা',
          title: `খেলার খবর ${i}: জাতীয় দল আজ মাঠে নামছে`,
          summary: 'ঢাকায় আজ বিকেলে সিরিজের দ্বিতীয় ম্যাচ; অধিনায়ক বললেন দল প্রস্তুত।',
        },
      },
    ])
  }
  await Promise.all(all.map((l) => l.reached(writes)))
  const cpu = cpuSecondsOf(pid)! - before
  for (const l of all) l.close()
  return (cpu * 1000) / writes
}

async function main() {
  const rows: string[][] = []
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-bench-listen-'))
  const tokens = benchTokens(dataDir, 5)
  const lake = await startLake(dataDir)
  try {
    // Interleaved rounds with and without a listener, medians, so machine noise hits both alike.
    const N = 300
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]
    await commitRate(lake, 'warm', 100)
    const without: number[] = []
    const withListener: number[] = []
    const delivered: number[] = []
    for (let round = 0; round < 3; round++) {
      without.push(await commitRate(lake, `base${round}`, N))
      const listener = await countingListener(lake, '*[_type == "article"]')
      const started = performance.now()
      withListener.push(await commitRate(lake, `one${round}`, N))
      const last = await listener.reached(N)
      delivered.push(N / ((last - started) / 1000))
      listener.close()
    }
    const baseline = median(without)
    const withOne = median(withListener)
    const deliveredOne = median(delivered)
    rows.push(['single-document commits, no listener', `${fmt(baseline)} tx/s`, '1.00'])
    rows.push([
      'single-document commits, 1 listener',
      `${fmt(withOne)} tx/s`,
      (withOne / baseline).toFixed(2),
    ])
    rows.push([
      'events received by that listener',
      `${fmt(deliveredOne)} events/s`,
      (deliveredOne / baseline).toFixed(2),
    ])

    for (const listeners of [1, 10]) {
      const all = await Promise.all(
        Array.from({length: listeners}, () => countingListener(lake, '*[_type == "article"]')),
      )
      const batches = 20
      const size = 100
      const started = performance.now()
      for (let b = 0; b < batches; b++) {
        await mutate(
          lake,
          Array.from({length: size}, (_, i) => ({
            createOrReplace: {
              _id: `burst${listeners}-${b}-${i}`,
              _type: 'article',
              title: `খবর ${i}`,
            },
          })),
        )
      }
      const ends = await Promise.all(all.map((l) => l.reached(batches * size)))
      const last = Math.max(...ends)
      const perListener = (batches * size) / ((last - started) / 1000)
      rows.push([
        `burst of ${batches}×${size}-document transactions, ${listeners} listener(s)`,
        `${fmt(perListener)} events/s per listener, ${fmt(perListener * listeners)} total`,
        (perListener / baseline).toFixed(2),
      ])
      for (const l of all) l.close()
    }

    // Alternated, so the machine's load falls on both alike.
    const none: number[] = []
    const many: number[] = []
    for (let round = 0; round < 2; round++) {
      none.push(await cpuPerWrite(lake, tokens, 0, 100, `cpu0-${round}`))
      many.push(await cpuPerWrite(lake, tokens, 500, 100, `cpu500-${round}`))
    }
    const ms = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ')
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
    rows.push([
      'lake CPU a write (all threads), no listener; 500 listeners (includeResult, mendoza)',
      `${ms(none)} ms; ${ms(many)} ms`,
      `×${(mean(many) / mean(none)).toFixed(1)} (500 vs none)`,
    ])
  } finally {
    await lake.stop()
    await rm(dataDir, {recursive: true, force: true})
  }

  // Effects sizes for small edits, over the benchmark's newsroom articles.
  const articles = newsroomDocuments(500).filter(
    (doc): doc is BenchDocument & {body: {children: {text: string}[]}[]} => doc._type === 'article',
  )
  const ratios = (edit: (doc: BenchDocument) => BenchDocument) => {
    const values = articles.map((doc) => {
      const next = edit(doc)
      const apply = createMendozaPatch(doc, next)
      const revert = createMendozaPatch(next, doc)
      return (
        (JSON.stringify(apply).length + JSON.stringify(revert).length) /
        2 /
        JSON.stringify(doc).length
      )
    })
    values.sort((a, b) => a - b)
    return {median: values[Math.floor(values.length / 2)], max: values.at(-1)!}
  }
  const stamp = (doc: BenchDocument) => ({...doc, _updatedAt: '2026-11-28T00:00:00.000Z'})
  const section = ratios((doc) => stamp({...doc, section: 'খেলা'}))
  const paragraph = ratios((doc) => {
    const body = (doc.body as {children: {text: string}[]}[]).map((block, i) =>
      i === 1
        ? {...block, children: [{...block.children[0], text: `${block.children[0].text} নতুন`}]}
        : block,
    )
    return stamp({...doc, body})
  })
  const bigDoc = {
    ...articles[0],
    body: Array.from({length: 60}, (_, i) => ({...articles[i].body[0], _key: `p${i}`})),
  }
  const bigRatio =
    JSON.stringify(createMendozaPatch(bigDoc, stamp({...bigDoc, title: 'নতুন শিরোনাম'}))).length /
    JSON.stringify(bigDoc).length
  rows.push([
    'effects/doc size, one field + _updatedAt (~1.5 kB article)',
    `median ${(section.median * 100).toFixed(1)}%, max ${(section.max * 100).toFixed(1)}%`,
    '',
  ])
  rows.push([
    'effects/doc size, one paragraph edited (~1.5 kB article)',
    `median ${(paragraph.median * 100).toFixed(1)}%, max ${(paragraph.max * 100).toFixed(1)}%`,
    '',
  ])
  rows.push([
    `effects/doc size, title edit of a ${Math.round(JSON.stringify(bigDoc).length / 1024)} kB article`,
    `${(bigRatio * 100).toFixed(2)}%`,
    '',
  ])

  console.log('| measurement | value | ratio to no-listener commits |')
  console.log('|---|---|---|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

if (import.meta.main) await main()

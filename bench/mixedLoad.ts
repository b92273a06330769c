/**
 * The newsroom's day at once (bench/mixed.ts, tests/lake/mixedLoad.test.ts): on a lake already
 * holding an archive, for a while, single-document writers (mutations and the Studio's actions),
 * readers (the front-page shapes, `match`, `text::query`; node:http and @sanity/client in three
 * perspectives), listeners (`/listen` over raw SSE and through @sanity/client, and the Live
 * Content API), history readers, an export and anonymous hostile callers, all together; then the
 * invariants: every listener heard every committed transaction of its filter once, in commit
 * order (the transaction log is the reference); every acknowledged write was readable at once and
 * the final documents equal a model replayed from the acknowledged writes; history at each
 * acknowledged revision is that revision; the archive is untouched; no 5xx but the pathological
 * query's 504 at its deadline. Figures (the lake's RSS peak, by-id p50 under load against idle,
 * writes/s) are measured alongside, never asserted.
 *
 * Each writer owns a few document ids (its own, so the model is exact: no two writers race for a
 * document) in one of the lanes; each lane listener's filter is `lane == $lane`.
 */
import {createClient, type SanityClient} from '@sanity/client'
import http from 'node:http'
import {readFileSync, writeFileSync} from 'node:fs'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {createRandom, type Random} from '../kit/seeded.ts'
import type {ArchiveSize} from './data.ts'
import {SPLIT_LENGTH} from './isolation.ts'
import {cpuSecondsOf, threadCpuSince} from './lake.ts'
import {QUERY_THREAD_NAME} from '../lake/query/priority.ts'
import {archiveQueries} from './queries.ts'

const API = 'v2025-02-19'
const SPLIT_QUERY = 'count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0])'
const LANE_FILTER = '*[_type == "mixDoc" && lane == $lane]'

export interface MixedOptions {
  lake: LakeProcess
  /** The dataset holding the archive; made public by the caller (the hostile callers are anonymous). */
  dataset: string
  archive: ArchiveSize
  durationMs: number
  writers?: number
  readers?: number
  /** `/listen` listeners (half raw SSE, half @sanity/client); lanes are as many. */
  listeners?: number
  /** Live Content API streams (through @sanity/client's live.events()). */
  liveListeners?: number
  historyReaders?: number
  exports?: number
  hostile?: number
  /**
   * Characters of the pathological query's `$s` (default the isolation row's, past any deadline;
   * a test whose lake has a long deadline sends fewer).
   */
  pathologicalLength?: number
  /** Base ids each writer cycles through. */
  idsPerWriter?: number
  seed?: number
  log?: (line: string) => void
}

export interface MixedReport {
  seconds: number
  /** The broken invariants: the first few of each kind (see violationCount). */
  violations: string[]
  violationCount: number
  /** Answers by caller kind and status ("writer 200": 1234). */
  statuses: Record<string, number>
  writesAcknowledged: number
  writesPerSecond: number
  reads: number
  listenerEvents: number
  liveMessages: number
  historyReads: number
  exports: number
  hostileRequests: number
  /** By-id query p50 (ms) on the idle lake, and during the load. */
  byIdIdleP50: number
  byIdLoadedP50: number
  byIdLoadedP90: number
  /** The lake's RSS (MB) when the load began, and its peak during it (Linux). */
  rssStartMb: number
  rssPeakMb: number
  /**
   * The readers' queries by shape (bench/queries.ts's names, and `lane`): answered (with their
   * p50 and p90, ms), stopped at the deadline (504) and failed otherwise; most 504s first.
   */
  readerShapes: ReaderShape[]
  /** Listener streams that ended under the load (each told to start over). */
  listenerRestarts: number
  /**
   * CPU seconds during the load (Linux /proc): the lake's in all, its event loop's, its query
   * threads' (those replaced meanwhile included, as last read: bench/lake.ts threadCpuSince), and
   * this process's (the callers').
   */
  cpuSeconds: {all: number; eventLoop: number; queryThreads: number; client: number}
}

export interface ReaderShape {
  shape: string
  answers: number
  p50Ms: number
  p90Ms: number
  timeouts: number
  failures: number
}

type DocState = {title: string; counter: number; rev: string}
type Change = {id: string; state: DocState | null}
type Acked = {tx: string; writer: number; lane: number; changes: Change[]}

/** Answers, tallied by who asked; every 5xx is a violation but for the deadline's 504. */
class Tally {
  statuses: Record<string, number> = {}
  /** Broken invariants by kind (the text's first word unless given): a count, the first few. */
  private broken = new Map<string, {count: number; first: string[]}>()
  count(kind: string, status: number | string): void {
    const key = `${kind} ${status}`
    this.statuses[key] = (this.statuses[key] ?? 0) + 1
  }
  violation(text: string, kind = text.split(' ')[0]): void {
    let entry = this.broken.get(kind)
    if (!entry) this.broken.set(kind, (entry = {count: 0, first: []}))
    entry.count++
    // A flood of one kind says no more than its first few, and hides no other kind.
    if (entry.first.length < 3) entry.first.push(text)
  }
  /** Every broken invariant kept, then a line per kind for those left out. */
  violations(): string[] {
    const lines: string[] = []
    for (const [kind, {count, first}] of this.broken) {
      lines.push(...first)
      if (count > first.length) lines.push(`… and ${count - first.length} more of "${kind}"`)
    }
    return lines
  }
  total(): number {
    let total = 0
    for (const {count} of this.broken.values()) total += count
    return total
  }
}

type Answer = {status: number; text: string; ms: number}

/** A request through node:http (as @sanity/client sends in Node) on a keep-alive agent. */
function request(
  agent: http.Agent,
  url: string,
  init: {method?: string; token?: string | null; body?: string | Buffer; headers?: object} = {},
): Promise<Answer> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {...(init.headers ?? {})}
    if (init.token) headers.authorization = `Bearer ${init.token}`
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      headers['content-length'] = Buffer.byteLength(init.body)
    }
    const req = http.request(url, {method: init.method ?? 'GET', agent, headers}, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - t0,
        }),
      )
      response.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

function p(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN
}

function procStatusMb(pid: number, field: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN) / 1024
  } catch {
    return NaN
  }
}

/** One writer's model: each base id's published and draft state (null: none). */
type WriterModel = Map<string, {pub: DocState | null; draft: DocState | null}>

export async function runMixedLoad(options: MixedOptions): Promise<MixedReport> {
  const {lake, dataset, archive, durationMs} = options
  const WRITERS = options.writers ?? 50
  const READERS = options.readers ?? 20
  const LISTENERS = options.listeners ?? 14
  const LIVE = options.liveListeners ?? 6
  const HISTORY = options.historyReaders ?? 2
  const EXPORTS = options.exports ?? 1
  const HOSTILE = options.hostile ?? 2
  const IDS = options.idsPerWriter ?? 4
  const LANES = Math.max(1, LISTENERS)
  const log = options.log ?? (() => {})
  const seed = options.seed ?? 11
  const tally = new Tally()
  const agent = new http.Agent({keepAlive: true})
  const pid = lake.child.pid!
  const base = `${lake.url}/${API}/data`
  const token = lake.token
  const clientFor = (perspective: 'published' | 'drafts' | 'raw'): SanityClient =>
    createClient({
      projectId: 'local',
      dataset,
      apiHost: lake.url,
      useProjectHostname: false,
      apiVersion: '2025-02-19',
      token,
      useCdn: false,
      perspective,
    })

  // --- the by-id prober, idle
  const byIdBody = JSON.stringify({
    query: '*[_id == $id][0]{_id, title, publishedAt}',
    params: {id: `article-${Math.floor(archive.articles / 3)}`},
  })
  const byIdAgent = new http.Agent({keepAlive: true, maxSockets: 1})
  const byId = async (): Promise<number> => {
    const answer = await request(byIdAgent, `${base}/query/${dataset}?returnQuery=false`, {
      method: 'POST',
      token,
      body: byIdBody,
    })
    tally.count('by-id', answer.status)
    if (answer.status !== 200)
      tally.violation(`by-id ${answer.status}: ${answer.text.slice(0, 200)}`)
    return answer.ms
  }
  for (let i = 0; i < 20; i++) await byId()
  const idle: number[] = []
  for (let i = 0; i < 100; i++) {
    idle.push(await byId())
    await sleep(20)
  }

  // --- listeners, connected before any write
  const lanesOf = (writer: number) => writer % LANES
  type Heard = {lane: number; kind: string; events: {tx: string; id: string}[]; ended: number}
  const heard: Heard[] = []
  const closers: (() => void)[] = []
  const welcomes: Promise<void>[] = []
  for (let i = 0; i < LISTENERS; i++) {
    const lane = i % LANES
    const h: Heard = {lane, kind: i % 2 === 0 ? 'sse' : 'client', events: [], ended: 0}
    heard.push(h)
    if (h.kind === 'sse') {
      const {welcome, close} = rawListener(lake, dataset, lane, h, tally)
      welcomes.push(welcome)
      closers.push(close)
    } else {
      const client = clientFor('raw')
      welcomes.push(
        new Promise((welcomed, failed) => {
          const subscription = client
            .listen(
              LANE_FILTER,
              {lane},
              {
                includeResult: false,
                includeMutations: false,
                events: ['welcome', 'mutation', 'reconnect'],
                visibility: 'transaction',
              },
            )
            .subscribe({
              next: (event) => {
                if (event.type === 'welcome') welcomed()
                else if (event.type === 'reconnect') h.ended++
                else if (event.type === 'mutation') {
                  h.events.push({tx: event.transactionId, id: event.documentId})
                }
              },
              error: (error: unknown) => {
                tally.violation(`client listener ${lane}: ${String(error)}`)
                failed(error as Error)
              },
            })
          closers.push(() => subscription.unsubscribe())
        }),
      )
    }
  }
  // The Live Content API: a question whose answer the writers change (a lane's count of published
  // documents), asked before they start, must be announced.
  const liveClient = clientFor('published')
  const liveTags: string[] = []
  const live: {messages: number; tags: Set<string>; restarts: number}[] = []
  for (let i = 0; i < LIVE; i++) {
    const l = {messages: 0, tags: new Set<string>(), restarts: 0}
    live.push(l)
    welcomes.push(
      new Promise((welcomed, failed) => {
        const subscription = liveClient.live.events().subscribe({
          next: (event) => {
            if (event.type === 'welcome') welcomed()
            else if (event.type === 'message') {
              l.messages++
              for (const tag of event.tags) l.tags.add(tag)
            } else if (event.type === 'restart' || event.type === 'reconnect') l.restarts++
          },
          error: (error: unknown) => {
            tally.violation(`live events ${i}: ${String(error)}`)
            failed(error as Error)
          },
        })
        closers.push(() => subscription.unsubscribe())
      }),
    )
  }
  await Promise.all(welcomes)
  for (let lane = 0; lane < Math.min(LANES, 4); lane++) {
    const answer = await liveClient.fetch(
      'count(*[_type == "mixDoc" && lane == $lane])',
      {lane},
      {filterResponse: false},
    )
    liveTags.push(...((answer as {syncTags?: string[]}).syncTags ?? []))
  }

  // --- the load
  const rssStartMb = procStatusMb(pid, 'VmRSS')
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not Linux, or not ours to reset: the peak is the process's.
  }
  const cpuBefore = {
    all: cpuSecondsOf(pid) ?? NaN,
    eventLoop: cpuSecondsOf(pid, true) ?? NaN,
    queryThreads: threadCpuSince(pid, QUERY_THREAD_NAME),
    client: process.cpuUsage(),
  }
  const t0 = performance.now()
  const stopAt = t0 + durationMs
  const going = () => performance.now() < stopAt
  const acked: Acked[] = []
  /** Transactions whose outcome the caller did not learn (a 5xx or a dropped connection). */
  const unknown: {writer: number; what: string}[] = []
  const models: WriterModel[] = []
  const counters = {reads: 0, history: 0, exports: 0, hostile: 0}

  const writer = async (w: number) => {
    const random = createRandom(seed * 1000 + w)
    const lane = lanesOf(w)
    const model: WriterModel = new Map()
    models.push(model)
    const ids = Array.from({length: IDS}, (_, k) => `mix-${w}-${k}`)
    for (const id of ids) model.set(id, {pub: null, draft: null})
    let n = 0
    while (going()) {
      const id = random.pick(ids)
      const doc = model.get(id)!
      const title = `লেখা ${w}-${++n}`
      const op = chooseWrite(random, doc)
      const sent = writeRequest(op, id, lane, w, title)
      let answer: Answer
      try {
        answer = await request(agent, `${base}/${sent.route}/${dataset}?visibility=sync`, {
          method: 'POST',
          token,
          body: JSON.stringify(sent.body),
        })
      } catch (error) {
        unknown.push({writer: w, what: `${op} ${id}: ${String(error)}`})
        tally.violation(`writer ${w} ${op} ${id}: ${String(error)}`)
        await resync(model, id)
        continue
      }
      tally.count('writer', answer.status)
      if (answer.status !== 200) {
        if (answer.status >= 500) unknown.push({writer: w, what: `${op} ${id}: ${answer.status}`})
        tally.violation(`writer ${w} ${op} ${id}: ${answer.status} ${answer.text.slice(0, 300)}`)
        await resync(model, id)
        continue
      }
      const tx = (JSON.parse(answer.text) as {transactionId: string}).transactionId
      const changes = applyWrite(op, id, doc, title, tx)
      acked.push({tx, writer: w, lane, changes})
      // Read-your-write: the acknowledged write is what a query reads at once.
      if (random.chance(0.25)) await readBack(w, changes)
    }
  }

  /** After a write whose outcome is unknown: the model adopts what the lake holds. */
  const resync = async (model: WriterModel, id: string) => {
    const answer = await request(agent, `${base}/doc/${dataset}/${id},drafts.${id}`, {token})
    if (answer.status !== 200) return
    const {documents} = JSON.parse(answer.text) as {documents: Record<string, unknown>[]}
    const state = (docId: string): DocState | null => {
      const doc = documents.find((d) => d._id === docId)
      return doc
        ? {title: doc.title as string, counter: doc.counter as number, rev: doc._rev as string}
        : null
    }
    model.set(id, {pub: state(id), draft: state(`drafts.${id}`)})
  }

  const readBack = async (w: number, changes: Change[]) => {
    const answer = await request(agent, `${base}/query/${dataset}?perspective=raw`, {
      method: 'POST',
      token,
      body: JSON.stringify({
        query: '*[_id in $ids]{_id, _rev, title, counter}',
        params: {ids: changes.map((c) => c.id)},
      }),
    })
    tally.count('read-back', answer.status)
    if (answer.status !== 200) {
      tally.violation(`read-back ${answer.status}: ${answer.text.slice(0, 200)}`)
      return
    }
    const found = (JSON.parse(answer.text) as {result: Record<string, unknown>[]}).result
    for (const change of changes) {
      const doc = found.find((d) => d._id === change.id)
      const want = change.state
      if (!sameState(doc, want)) {
        tally.violation(
          `writer ${w}: acknowledged ${want ? `${change.id} at ${want.rev}` : `deletion of ${change.id}`} but a query read ${JSON.stringify(doc ?? null)}`,
        )
      }
    }
  }

  // The front-page shapes, `match` and the Studio's search; not the bench's full scans, which
  // are there to be compared with groq-js, not what a newsroom's pages ask.
  const queries = archiveQueries(archive).filter((q) => !q.name.startsWith('full scan'))
  const articleCount = archive.articles
  const shapes = new Map<string, {ms: number[]; timeouts: number; failures: number}>()
  const shapeOf = (name: string) => {
    let shape = shapes.get(name)
    if (!shape) shapes.set(name, (shape = {ms: [], timeouts: 0, failures: 0}))
    return shape
  }
  const reader = async (r: number) => {
    const random = createRandom(seed * 2000 + r)
    const perspective = (['published', 'drafts', 'raw'] as const)[r % 3]
    const client = r % 2 === 1 ? clientFor(perspective) : null
    while (going()) {
      const q = random.chance(0.2)
        ? {
            name: 'lane',
            query:
              '*[_type == "mixDoc" && lane == $lane] | order(_updatedAt desc) [0...20] {_id, title}',
            params: {lane: random.int(0, LANES - 1)},
          }
        : random.pick(queries)
      let result: unknown
      const shape = shapeOf(q.name)
      const asked = performance.now()
      try {
        if (client) {
          result = await client.fetch(q.query, q.params)
          tally.count('reader', 200)
        } else {
          const answer = await request(
            agent,
            `${base}/query/${dataset}?perspective=${perspective}&returnQuery=false`,
            {method: 'POST', token, body: JSON.stringify({query: q.query, params: q.params})},
          )
          tally.count('reader', answer.status)
          if (answer.status !== 200) {
            if (answer.status === 504) shape.timeouts++
            else shape.failures++
            tally.violation(
              `reader ${q.name} ${answer.status}: ${answer.text.slice(0, 200)}`,
              `reader ${answer.status}`,
            )
            continue
          }
          result = (JSON.parse(answer.text) as {result: unknown}).result
        }
      } catch (error) {
        const status = (error as {statusCode?: number}).statusCode ?? 'error'
        tally.count('reader', status)
        if (status === 504) shape.timeouts++
        else shape.failures++
        tally.violation(
          `reader ${q.name} (client, ${perspective}): ${String(error).slice(0, 200)}`,
          `reader ${status}`,
        )
        continue
      }
      counters.reads++
      shape.ms.push(performance.now() - asked)
      // The archive is not written during the run: its counts and lookups hold in every perspective.
      if (q.name === 'count by type' && perspective !== 'raw' && result !== articleCount) {
        tally.violation(
          `count by type (${perspective}) read ${String(result)}, not ${articleCount}`,
        )
      }
      if (q.name === 'by slug' && perspective !== 'raw') {
        const got = (result as {_id?: string} | null)?._id
        if (got !== (q.params as {slug?: string}).slug)
          tally.violation(`by slug (${perspective}) read ${String(got)}`)
      }
    }
  }

  const historyReader = async (h: number) => {
    const random = createRandom(seed * 3000 + h)
    while (going()) {
      const done = acked.filter((a) => a.changes.some((c) => c.state))
      if (done.length === 0) {
        await sleep(50)
        continue
      }
      const pick = done[random.int(Math.max(0, done.length - 500), done.length - 1)]
      const change = pick.changes.find((c) => c.state)!
      const answer = await request(
        agent,
        `${base}/history/${dataset}/documents/${change.id}?revision=${pick.tx}`,
        {token},
      )
      tally.count('history', answer.status)
      counters.history++
      if (answer.status !== 200) {
        tally.violation(
          `history ${change.id}@${pick.tx} ${answer.status}: ${answer.text.slice(0, 200)}`,
        )
        continue
      }
      const doc = (JSON.parse(answer.text) as {documents: Record<string, unknown>[]}).documents[0]
      if (!sameState(doc, change.state)) {
        tally.violation(
          `history of ${change.id} at ${pick.tx}: ${JSON.stringify(doc ?? null).slice(0, 200)}, not ${JSON.stringify(change.state)}`,
        )
      }
      const events = await request(
        agent,
        `${base}/history/${dataset}/events/documents/${change.id.replace(/^drafts\./, '')}?limit=20`,
        {token},
      )
      tally.count('history', events.status)
      if (events.status !== 200) {
        tally.violation(`events ${change.id} ${events.status}: ${events.text.slice(0, 200)}`)
      }
    }
  }

  const exporter = async () => {
    while (going()) {
      const seen = new Set<string>()
      let archived = 0
      // Read line by line as it streams: the full archive's export is a few hundred MB.
      const status = await streamLines(agent, `${base}/export/${dataset}`, token, (line) => {
        const doc = JSON.parse(line) as {_id?: string}
        if (typeof doc._id !== 'string') {
          tally.violation(`export: a line that is no document: ${line.slice(0, 200)}`)
          return
        }
        if (seen.has(doc._id)) tally.violation(`export: ${doc._id} twice`)
        seen.add(doc._id)
        if (/^(drafts\.)?(article|headline|source)-/.test(doc._id)) archived++
      })
      tally.count('export', status)
      counters.exports++
      if (status !== 200) {
        tally.violation(`export ${status}`)
        continue
      }
      // The archive is not written during the run: every export holds as many of its documents
      // as the first.
      expectedArchive ??= archived
      if (archived !== expectedArchive) {
        tally.violation(
          `export read ${archived} archive documents, the first read ${expectedArchive}`,
        )
      }
    }
  }
  let expectedArchive: number | undefined

  const hostile = async (k: number) => {
    const huge = Buffer.alloc(41 * 1024 * 1024, 'x')
    const bigQuery = JSON.stringify({query: '*[_id == $id]', params: {id: 'x'.repeat(5 << 20)}})
    const split = JSON.stringify({
      query: SPLIT_QUERY,
      params: {s: 'ক'.repeat(options.pathologicalLength ?? SPLIT_LENGTH)},
    })
    const hostileAgent = new http.Agent({keepAlive: false})
    let turn = 0
    while (going()) {
      const which =
        k === 0 ? 'pathological' : (['huge write', 'huge query', 'bad json'] as const)[turn++ % 3]
      let answer: Answer
      try {
        if (which === 'pathological') {
          answer = await request(hostileAgent, `${base}/query/${dataset}`, {
            method: 'POST',
            body: split,
          })
        } else if (which === 'huge write') {
          answer = await request(hostileAgent, `${base}/mutate/${dataset}`, {
            method: 'POST',
            body: huge,
          })
        } else if (which === 'huge query') {
          answer = await request(hostileAgent, `${base}/query/${dataset}`, {
            method: 'POST',
            body: bigQuery,
          })
        } else {
          answer = await request(hostileAgent, `${base}/query/${dataset}`, {
            method: 'POST',
            body: '{"query": ',
          })
        }
      } catch (error) {
        // The lake may answer before it reads a refused body and close: the send then fails.
        tally.count(`hostile ${which}`, (error as NodeJS.ErrnoException).code ?? 'error')
        counters.hostile++
        await sleep(200)
        continue
      }
      counters.hostile++
      tally.count(`hostile ${which}`, answer.status)
      const deadline =
        which === 'pathological' &&
        answer.status === 504 &&
        answer.text.includes('queryTimeoutError')
      // The pathological query is valid GROQ: answered (a short `$s`, a long deadline) or stopped.
      const answered = which === 'pathological' && answer.status === 200
      if ((answer.status >= 500 && !deadline) || (answer.status < 400 && !answered)) {
        tally.violation(`hostile ${which}: ${answer.status} ${answer.text.slice(0, 200)}`)
      }
      if (which !== 'pathological') await sleep(200)
    }
  }

  const loaded: number[] = []
  const prober = async () => {
    while (going()) {
      loaded.push(await byId())
      await sleep(50)
    }
  }

  log(
    `load: ${WRITERS} writers, ${READERS} readers, ${LISTENERS}+${LIVE} listeners, ${HISTORY} history, ${EXPORTS} export, ${HOSTILE} hostile for ${(durationMs / 1000).toFixed(0)} s`,
  )
  await Promise.all([
    ...Array.from({length: WRITERS}, (_, w) => writer(w)),
    ...Array.from({length: READERS}, (_, r) => reader(r)),
    ...Array.from({length: HISTORY}, (_, h) => historyReader(h)),
    ...Array.from({length: EXPORTS}, () => exporter()),
    ...Array.from({length: HOSTILE}, (_, k) => hostile(k)),
    prober(),
  ])
  const seconds = (performance.now() - t0) / 1000
  const rssPeakMb = procStatusMb(pid, 'VmHWM')
  // The lake's CPU during the load (/proc, ended threads included): all of it, its event loop's,
  // and its query threads' of those still running: how much
  // of the cores the lake was given, and how much its queries were.
  const cpu = {
    all: (cpuSecondsOf(pid) ?? NaN) - cpuBefore.all,
    eventLoop: (cpuSecondsOf(pid, true) ?? NaN) - cpuBefore.eventLoop,
    queryThreads: cpuBefore.queryThreads.stop(),
    client:
      (process.cpuUsage(cpuBefore.client).user + process.cpuUsage(cpuBefore.client).system) / 1e6,
  }
  log(`load over after ${seconds.toFixed(0)} s: ${acked.length} writes acknowledged; checking`)

  // --- invariants
  // The transaction log of each lane's documents is the reference the listeners are held to.
  const logOf = async (lane: number) => {
    const ids: string[] = []
    for (let w = 0; w < WRITERS; w++) {
      if (lanesOf(w) !== lane) continue
      for (let k = 0; k < IDS; k++) ids.push(`mix-${w}-${k}`, `drafts.mix-${w}-${k}`)
    }
    if (ids.length === 0) return []
    const answer = await request(
      agent,
      `${base}/history/${dataset}/transactions/${ids.join(',')}?excludeMutations=true&includeIdentifiedDocumentsOnly=true`,
      {token},
    )
    if (answer.status !== 200) {
      tally.violation(
        `transaction log of lane ${lane}: ${answer.status} ${answer.text.slice(0, 200)}`,
      )
      return []
    }
    return answer.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as {id: string; documentIDs: string[]; error?: unknown})
  }
  const logs = new Map<number, {id: string; documentIDs: string[]}[]>()
  for (let lane = 0; lane < LANES; lane++) logs.set(lane, await logOf(lane))

  // The listeners have until their lane's last transaction arrived, or 30 s.
  const drainUntil = performance.now() + 30_000
  for (const h of heard) {
    const last = logs.get(h.lane)!.at(-1)?.id
    while (last && h.events.at(-1)?.tx !== last && performance.now() < drainUntil) await sleep(100)
  }

  // Every acknowledged write is in the log, with the documents it changed.
  const byTx = new Map<string, {id: string; documentIDs: string[]}>()
  for (const lines of logs.values()) for (const line of lines) byTx.set(line.id, line)
  for (const a of acked) {
    const line = byTx.get(a.tx)
    const want = a.changes.map((c) => c.id).sort()
    if (!line)
      tally.violation(`acknowledged ${a.tx} (writer ${a.writer}) is not in the transaction log`)
    else if (JSON.stringify([...line.documentIDs].sort()) !== JSON.stringify(want)) {
      tally.violation(
        `${a.tx} changed ${line.documentIDs.join(',')} by the log, ${want.join(',')} by the model`,
      )
    }
  }
  const ackedTx = new Set(acked.map((a) => a.tx))
  const unacked = [...byTx.keys()].filter((tx) => !ackedTx.has(tx))
  if (unacked.length > unknown.length) {
    tally.violation(
      `${unacked.length} logged transactions no writer saw acknowledged (${unknown.length} outcomes unknown): ${unacked.slice(0, 5).join(', ')}`,
    )
  }

  // Every listener heard every logged transaction of its lane once, in order.
  let listenerRestarts = 0
  for (const [i, h] of heard.entries()) {
    listenerRestarts += h.ended
    const expected = logs.get(h.lane)!
    const name = `listener ${i} (${h.kind}, lane ${h.lane})`
    if (h.ended > 0) {
      tally.violation(`${name} was told to start over ${h.ended} times`)
      continue
    }
    const pairs = new Set<string>()
    for (const e of h.events) {
      const key = `${e.tx}#${e.id}`
      if (pairs.has(key)) tally.violation(`${name} heard ${key} twice`)
      pairs.add(key)
    }
    const heardTx: string[] = []
    for (const e of h.events) if (heardTx.at(-1) !== e.tx) heardTx.push(e.tx)
    const wantTx = expected.map((line) => line.id)
    const firstDiff = wantTx.findIndex((tx, k) => heardTx[k] !== tx)
    if (firstDiff !== -1 || heardTx.length !== wantTx.length) {
      const k = firstDiff === -1 ? wantTx.length : firstDiff
      tally.violation(
        `${name} heard ${heardTx.length} transactions, the log has ${wantTx.length}; first difference at ${k}: heard ${heardTx[k]}, logged ${wantTx[k]}`,
      )
      continue
    }
    for (const line of expected) {
      for (const id of line.documentIDs) {
        if (!pairs.has(`${line.id}#${id}`)) tally.violation(`${name} missed ${id} in ${line.id}`)
      }
    }
    if (pairs.size !== expected.reduce((sum, line) => sum + line.documentIDs.length, 0)) {
      tally.violation(`${name} heard ${pairs.size} events, the log names more or fewer documents`)
    }
  }

  // The final documents equal the model replayed from the acknowledged writes.
  const final = await request(agent, `${base}/query/${dataset}?perspective=raw`, {
    method: 'POST',
    token,
    body: JSON.stringify({query: '*[_type == "mixDoc"]{_id, _rev, title, counter, lane, writer}'}),
  })
  if (final.status !== 200)
    tally.violation(`final read ${final.status}: ${final.text.slice(0, 200)}`)
  else {
    const docs = (JSON.parse(final.text) as {result: Record<string, unknown>[]}).result
    const byId = new Map(docs.map((d) => [d._id as string, d]))
    const expectedIds = new Set<string>()
    for (const [w, model] of models.entries()) {
      for (const [id, {pub, draft}] of model) {
        for (const [docId, state] of [
          [id, pub],
          [`drafts.${id}`, draft],
        ] as const) {
          if (state) expectedIds.add(docId)
          if (!sameState(byId.get(docId), state)) {
            tally.violation(
              `final ${docId} (writer ${w}): ${JSON.stringify(byId.get(docId) ?? null)}, the model ${JSON.stringify(state)}`,
            )
          }
        }
      }
    }
    for (const id of byId.keys())
      if (!expectedIds.has(id)) tally.violation(`final: ${id} is not in the model`)
  }

  // A change after the load reaches every live stream (its question was asked before the load).
  if (LIVE > 0) {
    const probe = await request(agent, `${base}/mutate/${dataset}?visibility=sync`, {
      method: 'POST',
      token,
      body: JSON.stringify({
        mutations: [
          {
            create: {
              _id: 'mix-live-probe',
              _type: 'mixDoc',
              lane: 0,
              writer: -1,
              title: 'probe',
              counter: 0,
            },
          },
        ],
      }),
    })
    if (probe.status !== 200) tally.violation(`live probe write ${probe.status}`)
    const until = performance.now() + 20_000
    const announced = () => live.every((l) => liveTags.every((tag) => l.tags.has(tag)))
    while (!announced() && performance.now() < until) await sleep(100)
    for (const [i, l] of live.entries()) {
      const missing = liveTags.filter((tag) => !l.tags.has(tag))
      if (missing.length > 0)
        tally.violation(
          `live stream ${i} never heard ${missing.join(', ')} (${l.messages} messages, ${l.restarts} restarts)`,
        )
    }
  }

  for (const close of closers) close()
  agent.destroy()
  byIdAgent.destroy()

  return {
    seconds,
    violations: tally.violations(),
    violationCount: tally.total(),
    statuses: tally.statuses,
    writesAcknowledged: acked.length,
    writesPerSecond: acked.length / seconds,
    reads: counters.reads,
    listenerEvents: heard.reduce((sum, h) => sum + h.events.length, 0),
    liveMessages: live.reduce((sum, l) => sum + l.messages, 0),
    historyReads: counters.history,
    exports: counters.exports,
    hostileRequests: counters.hostile,
    byIdIdleP50: p(idle, 0.5),
    byIdLoadedP50: p(loaded, 0.5),
    byIdLoadedP90: p(loaded, 0.9),
    rssStartMb,
    rssPeakMb,
    readerShapes: [...shapes]
      .map(([shape, {ms, timeouts, failures}]) => ({
        shape,
        answers: ms.length,
        p50Ms: p(ms, 0.5),
        p90Ms: p(ms, 0.9),
        timeouts,
        failures,
      }))
      .sort((a, b) => b.timeouts - a.timeouts || a.shape.localeCompare(b.shape)),
    listenerRestarts,
    cpuSeconds: cpu,
  }
}

/** A GET whose answer is handed over a line at a time as it arrives; its status. */
function streamLines(
  agent: http.Agent,
  url: string,
  token: string,
  onLine: (line: string) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, {agent, headers: {authorization: `Bearer ${token}`}}, (response) => {
        let rest = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n')
          rest = lines.pop()!
          for (const line of lines) if (line) onLine(line)
        })
        response.on('end', () => {
          if (rest) onLine(rest)
          resolve(response.statusCode ?? 0)
        })
        response.on('error', reject)
      })
      .on('error', reject)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function sameState(
  doc: Record<string, unknown> | undefined | null,
  want: DocState | null,
): boolean {
  if (!want) return !doc
  return !!doc && doc._rev === want.rev && doc.title === want.title && doc.counter === want.counter
}

type WriteOp =
  | 'create'
  | 'patch'
  | 'delete'
  | 'edit'
  | 'publish'
  | 'discard'
  | 'unpublish'
  | 'createDraft'
  | 'deleteAll'

/** A write valid in the document's state, as the Studio and a script would send. */
function chooseWrite(random: Random, doc: {pub: DocState | null; draft: DocState | null}): WriteOp {
  if (!doc.pub && !doc.draft) return random.chance(0.5) ? 'create' : 'createDraft'
  const options: WriteOp[] = []
  if (doc.pub) options.push('patch', 'patch', 'edit', 'edit', 'unpublish')
  if (doc.pub && !doc.draft) options.push('delete')
  if (doc.draft) options.push('edit', 'publish', 'publish', 'discard')
  if (doc.pub || doc.draft) options.push(doc.pub ? 'deleteAll' : 'discard')
  return random.pick(options)
}

function writeRequest(
  op: WriteOp,
  id: string,
  lane: number,
  writer: number,
  title: string,
): {route: 'mutate' | 'actions'; body: unknown} {
  const draftId = `drafts.${id}`
  const fields = {_type: 'mixDoc', lane, writer, title, counter: 0}
  const action = (a: object) => ({route: 'actions' as const, body: {actions: [a]}})
  const mutation = (m: object) => ({route: 'mutate' as const, body: {mutations: [m]}})
  switch (op) {
    case 'create':
      return mutation({create: {_id: id, ...fields}})
    case 'patch':
      return mutation({patch: {id, set: {title}, inc: {counter: 1}}})
    case 'delete':
      return mutation({delete: {id}})
    case 'createDraft':
      return action({
        actionType: 'sanity.action.document.create',
        publishedId: id,
        attributes: {_id: draftId, ...fields},
        ifExists: 'fail',
      })
    case 'edit':
      return action({
        actionType: 'sanity.action.document.edit',
        draftId,
        publishedId: id,
        patch: {set: {title}},
      })
    case 'publish':
      return action({actionType: 'sanity.action.document.publish', draftId, publishedId: id})
    case 'discard':
      return action({actionType: 'sanity.action.document.discard', draftId})
    case 'unpublish':
      return action({actionType: 'sanity.action.document.unpublish', draftId, publishedId: id})
    case 'deleteAll':
      return action({
        actionType: 'sanity.action.document.delete',
        publishedId: id,
        includeDrafts: [draftId],
      })
  }
}

/** The model after an acknowledged write; the documents it changed, with their new states. */
function applyWrite(
  op: WriteOp,
  id: string,
  doc: {pub: DocState | null; draft: DocState | null},
  title: string,
  rev: string,
): Change[] {
  const draftId = `drafts.${id}`
  switch (op) {
    case 'create':
      doc.pub = {title, counter: 0, rev}
      return [{id, state: doc.pub}]
    case 'patch':
      doc.pub = {title, counter: doc.pub!.counter + 1, rev}
      return [{id, state: doc.pub}]
    case 'delete':
      doc.pub = null
      return [{id, state: null}]
    case 'createDraft':
      doc.draft = {title, counter: 0, rev}
      return [{id: draftId, state: doc.draft}]
    case 'edit':
      doc.draft = {title, counter: (doc.draft ?? doc.pub)!.counter, rev}
      return [{id: draftId, state: doc.draft}]
    case 'publish':
      doc.pub = {...doc.draft!, rev}
      doc.draft = null
      return [
        {id, state: doc.pub},
        {id: draftId, state: null},
      ]
    case 'discard':
      doc.draft = null
      return [{id: draftId, state: null}]
    case 'unpublish': {
      const changes: Change[] = [{id, state: null}]
      if (!doc.draft) {
        doc.draft = {...doc.pub!, rev}
        changes.push({id: draftId, state: doc.draft})
      }
      doc.pub = null
      return changes
    }
    case 'deleteAll': {
      const changes: Change[] = [{id, state: null}]
      if (doc.draft) changes.push({id: draftId, state: null})
      doc.pub = null
      doc.draft = null
      return changes
    }
  }
}

/** A `/listen` stream read as raw Server-Sent Events over node:http. */
function rawListener(
  lake: LakeProcess,
  dataset: string,
  lane: number,
  h: {events: {tx: string; id: string}[]; ended: number},
  tally: Tally,
): {welcome: Promise<void>; close: () => void} {
  const search = new URLSearchParams({
    query: LANE_FILTER,
    $lane: String(lane),
    includeResult: 'false',
    includeMutations: 'false',
  })
  let closing = false
  let req: http.ClientRequest
  const welcome = new Promise<void>((welcomed, failed) => {
    req = http.get(
      `${lake.url}/${API}/data/listen/${dataset}?${search}`,
      {headers: {authorization: `Bearer ${lake.token}`, accept: 'text/event-stream'}},
      (response) => {
        tally.count('listener', response.statusCode ?? 0)
        if (response.statusCode !== 200) {
          tally.violation(`listener ${lane}: ${response.statusCode}`)
          failed(new Error(`listen ${response.statusCode}`))
          return
        }
        let buffer = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          buffer += chunk
          let end: number
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            let event = 'message'
            let data = ''
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim()
              else if (line.startsWith('data:')) data += line.slice(5).trim()
            }
            if (event === 'welcome') welcomed()
            else if (event === 'mutation') {
              const m = JSON.parse(data) as {transactionId: string; documentId: string}
              h.events.push({tx: m.transactionId, id: m.documentId})
            } else if (event === 'channelError' || event === 'disconnect') {
              tally.violation(`listener ${lane}: ${event} ${data.slice(0, 200)}`)
            }
          }
        })
        response.on('end', () => {
          if (!closing) h.ended++
        })
        response.on('error', () => {
          if (!closing) h.ended++
        })
      },
    )
    req.on('error', (error) => {
      if (!closing) {
        h.ended++
        failed(error)
      }
    })
  })
  return {
    welcome,
    close: () => {
      closing = true
      req.destroy()
    },
  }
}

/**
 * `node bench/listenFilters.ts [--against DIR] [--rounds N] [--listeners N] [--writes N]
 * [--per-write N] [--shape long|ids|refs|titles]`: the lake's event-loop CPU (its main thread's,
 * read from /proc) while `--listeners` anonymous listeners (default 50), each with a filter of its
 * own, connect over HTTP/2, and then while `--writes` writes (default 20) of `--per-write` articles
 * each (default 1) reach all of them, and the longest a `/ping` sent meanwhile (one after another)
 * waited. `long`: filters
 * 30,000 characters long (past the 16 KiB rule, core/limits.ts parsesInPlace); `ids`:
 * `*[_id in $ids]` with 2,000 ids of its own (about 48 KiB in the URL), the written ones last; `refs`:
 * 600 `references()` of ids of its own, the written articles' author last (each article about
 * 1.5 kB, with references in its body); `titles`: 600 `title == "…"` terms of its own (about 18 kB),
 * the written articles' type last. With `--against DIR` (another checkout of this repository
 * with its node_modules) its lake is A and this one's B, alternated round by round (abSides). Prints
 * one line per side and round with the load average. Nothing is written to bench/results.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {connect, type ClientHttp2Session} from 'node:http2'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {benchFlags} from './flags.ts'
import {abSides, alternated, threadSecondsOf} from './lake.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  rounds: {type: 'string', default: '2'},
  listeners: {type: 'string', default: '50'},
  writes: {type: 'string', default: '20'},
  'per-write': {type: 'string', default: '1'},
  shape: {type: 'string', default: 'long'},
})
if (!['long', 'ids', 'refs', 'titles'].includes(flags.shape)) {
  throw new Error('--shape is long, ids, refs or titles')
}
const DATASET = 'bench'
const API = 'v2025-02-19'
const listeners = Number(flags.listeners)
const writes = Number(flags.writes)
const perWrite = Number(flags['per-write'])

/** The lake's main thread's CPU in ms: its event loop's (the thread's id is the process's). */
const loopMs = (pid: number) => (threadSecondsOf(pid).get(String(pid))?.seconds ?? NaN) * 1000

/** A filter of its own per listener, past 16 KiB in escapes, matching every article. */
const filterOf = (i: number) => `*[_type == "article" && title != "${i}${'\\n'.repeat(15_000)}"]`

/** A written article: for `refs`, about 1.5 kB with references in its body. */
const articleOf = (w: number) => ({
  _id: `a${w}`,
  _type: 'article',
  title: `ভোট ${w}`,
  ...(flags.shape === 'refs' && {
    author: {_type: 'reference', _ref: 'author'},
    body: Array.from({length: 8}, (_, b) => ({
      _key: `b${b}`,
      _type: 'block',
      children: [{_key: 's', _type: 'span', text: 'নির্বাচনের ফল ঘোষণা '.repeat(3)}],
      markDefs: [{_key: 'l', _type: 'internalLink', reference: {_ref: `link-${b}`}}],
    })),
  }),
})

/** A listener's query string: its filter, and for `ids` its own ids with the written ones last. */
function listenQuery(i: number): URLSearchParams {
  if (flags.shape === 'long') return new URLSearchParams({query: filterOf(i)})
  if (flags.shape === 'titles') {
    const terms = Array.from({length: 599}, (_, k) => `title == "nope-${i}-${k}-${'x'.repeat(8)}"`)
    return new URLSearchParams({query: `*[(${terms.join(' || ')} || _type == "article")]`})
  }
  if (flags.shape === 'refs') {
    const terms = Array.from({length: 599}, (_, k) => `references("n${i}-${k}")`)
    const query = `*[_type == "article" && (${terms.join(' || ')} || references("author"))]`
    return new URLSearchParams({query})
  }
  const own = Array.from({length: 2000}, (_, k) => `l${i}-${String(k).padStart(6, '0')}`)
  const written = Array.from({length: writes * perWrite}, (_, w) => `a${w}`)
  return new URLSearchParams({query: '*[_id in $ids]', $ids: JSON.stringify([...own, ...written])})
}

function request(session: ClientHttp2Session, headers: Record<string, string>, body?: string) {
  const stream = session.request(headers)
  stream.setEncoding('utf8')
  let text = ''
  let status = 0
  stream.on('response', (h) => (status = Number(h[':status'])))
  stream.on('data', (chunk: string) => (text += chunk))
  let closed = false
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  ended.catch(() => {}).finally(() => (closed = true))
  if (body !== undefined) stream.end(body)
  return {stream, text: () => text, status: () => status, ended, closed: () => closed}
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

for (const {round, side} of alternated(await abSides(flags.against), Number(flags.rounds))) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-listen-filters-'))
  execFileSync(
    process.execPath,
    ['lake/cli.ts', 'datasets', 'visibility', DATASET, 'public', '--data', dataDir],
    {stdio: 'ignore', cwd: side.root},
  )
  const lake = await side.start({
    dataDir,
    tls: true,
    env: {
      ...process.env,
      LAKE_ADMIN_EMAIL: 'bench@localhost',
      LAKE_ADMIN_PASSWORD: 'bench-password-not-secret',
    },
  })
  const session = connect(lake.url, {ca: readFileSync(lake.caPath!)})
  session.on('error', () => {})
  const pid = lake.child.pid!
  try {
    const mutate = async (mutations: unknown[]) => {
      const post = request(
        session,
        {
          ':method': 'POST',
          ':path': `/${API}/data/mutate/${DATASET}`,
          authorization: `Bearer ${lake.token}`,
          'content-type': 'application/json',
        },
        JSON.stringify({mutations}),
      )
      await post.ended
      if (post.status() !== 200) throw new Error(`mutate: ${post.status()} ${post.text()}`)
    }
    // The dataset and the query threads, started before anything is measured.
    await mutate([{create: {_id: 'warm', _type: 'article', title: 'warm'}}])
    const warmQuery = new URLSearchParams({query: '*[_id == "x"]'})
    const warm = request(session, {':path': `/${API}/data/query/${DATASET}?${warmQuery}`})
    await warm.ended

    let before = loopMs(pid)
    const open = Array.from({length: listeners}, (_, i) =>
      request(session, {
        ':path': `/${API}/data/listen/${DATASET}?${listenQuery(i)}`,
      }),
    )
    // A listener refused (its filter waited past the wait bound: the lake is busy) ends its stream.
    const welcomed = (l: (typeof open)[number]) => l.text().includes('event: welcome')
    await until(() => open.every((l) => welcomed(l) || l.closed()))
    const connectMs = loopMs(pid) - before
    const heard = open.filter((l) => welcomed(l) && !l.closed())

    before = loopMs(pid)
    const events = (text: string) => text.split('event: mutation').length - 1
    const expected = writes * perWrite
    const allHeard = () => heard.every((l) => events(l.text()) >= expected || l.closed())
    // /ping one after another from the first write until every event is heard: the longest wait.
    let pingMs = 0
    let writing = true
    const pinging = (async () => {
      while (writing || !allHeard()) {
        const sent = performance.now()
        await request(session, {':path': `/${API}/ping`}).ended
        pingMs = Math.max(pingMs, performance.now() - sent)
      }
    })()
    for (let w = 0; w < writes; w++) {
      const articles = Array.from({length: perWrite}, (_, k) => articleOf(w * perWrite + k))
      await mutate(articles.map((article) => ({create: article})))
    }
    writing = false
    await until(allHeard)
    await pinging
    const eventsMs = loopMs(pid) - before
    const delivered = heard.reduce((n, l) => n + events(l.text()), 0)
    // A closed stream counts as having heard everything above: say how many were ended.
    const ended = heard.filter((l) => l.text().includes('event: channelError')).length
    for (const l of open) l.stream.close()

    const load = loadavg().map((n) => n.toFixed(1))
    console.log(
      `${side.name} round ${round + 1} (${flags.shape}): event loop ${connectMs.toFixed(0)} ms for ${listeners} ` +
        `listeners to connect (${heard.length} welcomed), ${eventsMs.toFixed(0)} ms for ` +
        `${writes} writes of ${perWrite} to reach them (${delivered} events, ` +
        `${((eventsMs / Math.max(1, delivered)) * 1000).toFixed(0)} µs each, ${ended} listeners ` +
        `ended by channelError); /ping waited at most ` +
        `${pingMs.toFixed(0)} ms; load ${load.join(' ')}`,
    )
  } finally {
    session.destroy()
    await lake.stop()
    await rm(dataDir, {recursive: true, force: true})
  }
}

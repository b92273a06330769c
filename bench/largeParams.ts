/**
 * `node bench/largeParams.ts [--against DIR] [--rounds N] [--queries N] [--kb N]`: the lake's
 * event-loop CPU (its main thread's, read from /proc) per query request whose parameters are
 * `--kb` KB of JSON (default 760: 30,000 ids; past 32 KiB they are parsed on a query thread), sent
 * one after another `--queries` times (default 12) over HTTP with a token. With `--against DIR`
 * (another checkout of this repository with its node_modules) its lake is A and this one's B,
 * alternated round by round (abSides). Prints one line per side and round with the load average.
 * Nothing is written to bench/results.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {benchFlags} from './flags.ts'
import {abSides, alternated, threadSecondsOf} from './lake.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  rounds: {type: 'string', default: '2'},
  queries: {type: 'string', default: '12'},
  kb: {type: 'string', default: '760'},
})
const DATASET = 'bench'
const API = 'v2025-02-19'
const queries = Number(flags.queries)

/** The lake's main thread's CPU in ms: its event loop's (the thread's id is the process's). */
const loopMs = (pid: number) => (threadSecondsOf(pid).get(String(pid))?.seconds ?? NaN) * 1000

/** About `kb` KB of ids, each ~25 bytes of JSON; distinct per request so no cache answers. */
function body(i: number): string {
  const count = Math.round((Number(flags.kb) * 1000) / 25)
  const ids = Array.from({length: count}, (_, k) => `q${i}-article-${String(k).padStart(9, '0')}`)
  return JSON.stringify({query: 'count(*[_id in $ids])', params: {ids}})
}

for (const {round, side} of alternated(await abSides(flags.against), Number(flags.rounds))) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-large-params-'))
  const lake = await side.start({
    dataDir,
    tls: false,
    env: {
      ...process.env,
      LAKE_ADMIN_EMAIL: 'bench@localhost',
      LAKE_ADMIN_PASSWORD: 'bench-password-not-secret',
    },
  })
  const pid = lake.child.pid!
  const post = async (path: string, text: string) => {
    const res = await fetch(`${lake.url}/${API}/data/${path}/${DATASET}`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
      body: text,
    })
    const answer = await res.text()
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${answer.slice(0, 300)}`)
  }
  try {
    // The dataset and the query threads, started before anything is measured.
    const create = {create: {_id: 'warm', _type: 'article', title: 'warm'}}
    await post('mutate', JSON.stringify({mutations: [create]}))
    await post('query', body(-1))
    const texts = Array.from({length: queries}, (_, i) => body(i))
    const before = loopMs(pid)
    for (const text of texts) await post('query', text)
    const ms = (loopMs(pid) - before) / queries
    const load = loadavg().map((n) => n.toFixed(1))
    console.log(
      `${side.name} round ${round + 1}: event loop ${ms.toFixed(1)} ms a query with ` +
        `${(texts[0]!.length / 1000).toFixed(0)} kB of parameters (${queries} queries); load ${load.join(' ')}`,
    )
  } finally {
    await lake.stop()
    await rm(dataDir, {recursive: true, force: true})
  }
}

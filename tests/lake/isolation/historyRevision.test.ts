/**
 * History at a revision for many documents (`data/history/…/documents/{ids}?revision=`) rebuilds
 * each from its nearest snapshot and the changes after it: for hundreds of articles that is
 * seconds of work, and any viewer may ask for 1,000 at once. It ran on the event loop, every
 * ping behind it; now it runs on a write thread and is streamed a document at a time, the same
 * bytes as before. A lake of its own (a child process, as run), so pings measure its event loop.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {cpuTimes} from './childLake.ts'
import {timed} from './pathological.ts'

const API = 'v2025-02-19'
/** Articles of 20-45 kB of Bengali (Portable Text blocks), each edited ROUNDS times. */
const IDS = Array.from({length: 200}, (_, i) => `article-${i}`)
const ROUNDS = 60
/** The round asked for: between the first snapshot (32nd change) and the next (96th). */
const ASKED = 50

let lake: LakeProcess
let dataDir: string
/** The transaction id of each round. */
const rounds: string[] = []

const text = (i: number, j: number, round: number) =>
  `অনুচ্ছেদ ${i}-${j}-${round}: ঢাকায় আজ বাজেট ঘোষণা করা হয়েছে। `.repeat(8)
const blocks = (i: number) => 20 + (i % 25)

async function mutate(mutations: object[]): Promise<string> {
  const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  const body = await res.json()
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body.transactionId
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-history-revision-'))
  lake = await startLakeProcess({dataDir, tls: false, args: ['--write-timeout', '300']})
  rounds.push(
    await mutate(
      IDS.map((id, i) => ({
        createOrReplace: {
          _id: id,
          _type: 'article',
          title: `শিরোনাম ${i} সংশোধন 0`,
          body: Array.from({length: blocks(i)}, (_, j) => ({
            _key: `b${j}`,
            _type: 'block',
            children: [{_key: `s${j}`, _type: 'span', text: text(i, j, 0)}],
          })),
        },
      })),
    ),
  )
  for (let round = 1; round <= ROUNDS; round++) {
    rounds.push(
      await mutate(
        IDS.map((id, i) => ({
          patch: {
            id,
            set: {
              title: `শিরোনাম ${i} সংশোধন ${round}`,
              [`body[_key=="b${round % blocks(i)}"].children[0].text`]: text(i, round, round),
            },
          },
        })),
      ),
    )
  }
}, 600_000)

afterAll(async () => {
  await lake?.stop()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

const historyUrl = (ids: readonly string[], revision: string) =>
  `${lake.url}/${API}/data/history/test/documents/${ids.join(',')}?revision=${revision}`
const auth = () => ({headers: {Authorization: `Bearer ${lake.token}`}})

/**
 * The request for every article at round ASKED, with a ping every 20 ms beside it: each ping's
 * wait, the CPU the lake's event loop spent during it (its hold), and the lake's CPU on all its
 * threads during the request (/proc, 10 ms ticks).
 */
async function withPings() {
  let done = false
  const pid = lake.child.pid!
  const before = await cpuTimes(pid)
  const started = performance.now()
  const pending = fetch(historyUrl(IDS, rounds[ASKED]!), auth()).then(async (res) => ({
    status: res.status,
    text: await res.text(),
    ms: performance.now() - started,
  }))
  void pending.finally(() => (done = true))
  const pings: number[] = []
  const holds: number[] = []
  while (!done) {
    const loop = (await cpuTimes(pid)).main
    const sent = performance.now()
    await timed(`${lake.url}/${API}/ping`).catch(() => undefined)
    pings.push(performance.now() - sent)
    holds.push((await cpuTimes(pid)).main - loop)
    await sleep(20)
  }
  const answered = await pending
  const lakeMs = (await cpuTimes(pid)).all - before.all
  return {...answered, pings, holds, lakeMs}
}

test('200 articles at an old revision are rebuilt off the event loop while /ping answers', async () => {
  // The threads' cold start is not what this measures.
  await timed(historyUrl(IDS, rounds[1]!), auth())
  const {status, text: answer} = await withPings()
  expect(status).toBe(200)
  const {documents} = JSON.parse(answer) as {
    documents: {_id: string; _rev: string; title: string}[]
  }
  expect(documents.map((doc) => doc._id)).toEqual(IDS)
  documents.forEach((doc, i) => {
    expect(doc._rev).toBe(rounds[ASKED])
    expect(doc.title).toBe(`শিরোনাম ${i} সংশোধন ${ASKED}`)
  })
  // Each document's text as a small request's answer (rebuilt in place) has it: the same bytes.
  const few = await (await fetch(historyUrl(IDS.slice(0, 2), rounds[ASKED]!), auth())).text()
  expect(answer.startsWith(few.slice(0, -2))).toBe(true)
  // Before: the whole rebuild and its serialising held the event loop, the longest ping most of
  // the request (72 %, the commit that moved it says more). What held a ping is counted as the
  // event loop's CPU while it waited, against the lake's CPU for the request: not the ping's wait,
  // which on two cores shared with other runs (load 20+) can be a third of a run of a second
  // whatever the lake does (CI: 0.287 of it; at load 22 here a ping waited 921 ms while the event
  // loop used 160 ms in the whole run). Three runs, the best counted: 10 ms ticks.
  const runs = [await withPings(), await withPings(), await withPings()].map((run) => ({
    share: Math.max(...run.holds) / Math.max(run.lakeMs, 10),
    measured:
      `${Math.max(...run.holds)} of ${run.lakeMs} ms CPU (longest ping ` +
      `${Math.round(Math.max(...run.pings))} of ${Math.round(run.ms)} ms, ${run.pings.length} pings)`,
  }))
  const measured = `event loop's longest hold ${runs.map((run) => run.measured).join(', ')}`
  expect(Math.min(...runs.map((run) => run.share)), measured).toBeLessThan(0.25)
  // Five rebuilds of 200 articles: seconds each quiet, and many times that at load 15-40, past
  // vitest's default 30 s. Its time is not what is checked.
}, 600_000)

/**
 * Any revision of a document answered from the compact log (docs/query-engine.md): an article
 * edited in many small transactions, as the Studio saves an editing session, then read back at
 * every revision over HTTP. A revision is rebuilt from the current state or the nearest snapshot
 * (every 64th change), so the slowest revisions are those furthest from one.
 */
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {newsroomDocuments} from './data.ts'

export interface RevisionTiming {
  edits: number
  /**
   * Revisions read back: every one, three times, its fastest counts (what the revision costs; a
   * hiccup of a loaded machine hits any request alike).
   */
  revisions: number
  median: number
  p95: number
  worst: number
  /** Every revision came back as it was written. */
  same: boolean
}

const API = 'v2025-02-19'

export async function benchRevisions(lake: LakeProcess, edits = 300): Promise<RevisionTiming> {
  const dataset = 'history'
  const headers = {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'}
  const mutate = async (mutations: unknown[]): Promise<string> => {
    const response = await fetch(`${lake.url}/${API}/data/mutate/${dataset}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({mutations}),
    })
    if (!response.ok) throw new Error(`mutate ${response.status}: ${await response.text()}`)
    return ((await response.json()) as {transactionId: string}).transactionId
  }
  const article = newsroomDocuments(20, 5).find((doc) => doc._type === 'article')!
  const id = article._id
  const revisions: {tx: string; title: string}[] = []
  revisions.push({tx: await mutate([{createOrReplace: article}]), title: String(article.title)})
  for (let i = 1; i <= edits; i++) {
    const title = `${String(article.title)} (${i})`
    // A title edit each time and, now and then, a paragraph: as an editing session saves.
    const patch: Record<string, unknown> = {id, set: {title}}
    if (i % 10 === 0) {
      patch.insert = {
        after: 'body[-1]',
        items: [
          {
            _type: 'block',
            _key: `edit${i}`,
            style: 'normal',
            markDefs: [],
            children: [{_type: 'span', _key: `s${i}`, text: `সংশোধন ${i}`, marks: []}],
          },
        ],
      }
    }
    revisions.push({tx: await mutate([{patch}]), title})
  }
  const timings: number[] = []
  let same = true
  for (const {tx, title} of revisions) {
    const tries: number[] = []
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      const response = await fetch(
        `${lake.url}/${API}/data/history/${dataset}/documents/${id}?revision=${tx}`,
        {headers},
      )
      const {documents} = (await response.json()) as {documents: {title?: string}[]}
      tries.push(performance.now() - t0)
      if (documents[0]?.title !== title) same = false
    }
    timings.push(Math.min(...tries))
  }
  timings.sort((a, b) => a - b)
  return {
    edits,
    revisions: revisions.length,
    median: timings[Math.floor(timings.length / 2)],
    p95: timings[Math.floor(timings.length * 0.95)],
    worst: timings[timings.length - 1],
    same,
  }
}

/**
 * A dataset name only read creates nothing, with declared indexes on (`--index`, `--order-index`,
 * which `npm run dev` and `npm run preview` always pass): no file, no live state on disk, no place
 * under the dataset cap. Before, a read declared the indexes on a file it created: anonymous queries
 * of made-up names filled the cap and the administrator's next new dataset was refused.
 */
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse} from '../listen/listeners.ts'

let lake: TestLake
const API = '/v2025-02-19'

beforeAll(async () => {
  lake = await startTestLake({
    tls: false,
    // `test`, `fresh` and `later`: a single name made by a read leaves no room for one of them.
    env: {LAKE_MAX_DATASETS: '3'},
    serverOptions: {indexes: ['slug.current'], orderIndexes: ['position', 'name desc']},
  })
  await lake.client().createOrReplace({_id: 'seed', _type: 'article', title: 'বীজ'})
})
afterAll(async () => {
  await lake?.close()
})

/** The expression indexes (declared or learnt) in dataset `ds`'s file. */
function attributeIndexes(ds: string): string[] {
  const db = new DatabaseSync(join(lake.dataDir, 'datasets', `${ds}.sqlite`), {readOnly: true})
  try {
    const rows = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
      .all() as {name: string}[]
    return rows.map((row) => row.name).sort()
  } finally {
    db.close()
  }
}

/** Every read route of dataset `ds`, as an anonymous caller and with the administrator's token. */
async function readEverything(ds: string, token: string | null): Promise<number[]> {
  const headers: Record<string, string> = token ? {authorization: `Bearer ${token}`} : {}
  const queries = [
    'count(*)',
    '*[_type == "article"] | order(position)',
    '*[_type == "source"] | order(name desc)[0...10]',
    '*[slug.current == "x"]',
    '*[_type == "article" && title match text::query("ঢাকা")]',
  ]
  const statuses: number[] = []
  const read = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${lake.url}${API}${path}`, {
      ...init,
      headers: {...headers, ...init.headers},
    })
    await res.arrayBuffer()
    statuses.push(res.status)
  }
  for (const query of queries) {
    await read(`/data/query/${ds}?query=${encodeURIComponent(query)}`)
    await read(`/data/query/${ds}`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query}),
    })
  }
  await read(`/data/doc/${ds}/seed`)
  await read(`/data/history/${ds}/documents/seed`)
  await read(`/data/history/${ds}/transactions/none`)
  await read(`/data/export/${ds}`)
  for (const path of [`/data/listen/${ds}?query=*`, `/data/live/events/${ds}`]) {
    const stream = await openSse(`${lake.url}${API}${path}`, headers)
    if (stream.status === 200) await stream.until((m) => m.some((x) => x.event === 'welcome'))
    stream.close()
    statuses.push(stream.status)
  }
  return statuses
}

describe('a dataset name only read', () => {
  it('creates no dataset, on any read route, with declared indexes', async () => {
    const names = Array.from({length: 5}, (_, i) => `junk${i}`)
    for (const name of names) {
      for (const status of await readEverything(name, null)) expect(status).toBeLessThan(500)
      // The administrator's reads of a name never written make nothing either.
      for (const status of await readEverything(`${name}-admin`, lake.token)) {
        expect(status).toBeLessThan(500)
      }
    }
    const files = await readdir(join(lake.dataDir, 'datasets'))
    expect(files.filter((file) => file.startsWith('junk'))).toEqual([])
    const live = await readdir(join(lake.dataDir, 'live')).catch(() => [] as string[])
    expect(live.filter((file) => file.startsWith('junk'))).toEqual([])
    const listed = (await lake.client().datasets.list()).map((dataset) => dataset.name)
    expect(listed.filter((name) => name.startsWith('junk'))).toEqual([])

    // The cap's free places are still there for the administrator's new datasets.
    const fresh = lake.client({dataset: 'fresh'})
    await fresh.create({_id: 'first', _type: 'source', name: 'বাসস', position: 1})
    expect(await fresh.fetch('*[_id == "first"][0].name')).toBe('বাসস')
  })

  it('a name read before its first write gets the declared indexes with that write', async () => {
    const headers = {authorization: `Bearer ${lake.token}`}
    const read = await fetch(`${lake.url}${API}/data/query/later?query=count(*)`, {headers})
    expect(await read.json()).toMatchObject({result: 0})
    await lake.client({dataset: 'later'}).create({_type: 'source', name: 'বাসস', position: 1})
    // Before any further read: the write that made the file made them, as a read made them before.
    // One each: slug.current, position, name desc.
    expect(attributeIndexes('later')).toHaveLength(3)
  })
})

/**
 * An ordered slice of one type over an attribute the side table does not keep, the front page's
 * headlines (`*[_type == "headline"] | order(position asc, _id asc) [0...10]`): SQLite sorted
 * every document of the type by the attribute for ten (50,000 headlines, 130-150 ms a query in
 * the bench). An editor's queries that order a type by a path get an index of the type in that
 * path's order and direction, ties by document group, as their filters get expression indexes;
 * SQLite then reads the type in order, sorting nothing in the published perspective and a stack's
 * (the Studio's list panes). Answers stay groq-js's in every perspective, with the index and
 * without it, values of every kind (numbers, strings, booleans, null, missing) tying across layers.
 */
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {beforeAll, describe, expect, test, vi} from 'vitest'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {useTestLake} from '../../helpers/lake.ts'
import {groqJs} from './oracle.ts'
import {loadDocuments, query} from './http.ts'
import {perspectiveParam, type Perspective, type StoredDocument} from './perspective.ts'

const DATASET = 'order-index'
const PERSPECTIVES: Perspective[] = [
  'raw',
  'published',
  'drafts',
  'previewDrafts',
  ['eid', 'drafts'],
]

/** Positions of every kind GROQ orders, most of them numbers tying in hundreds. */
function position(n: number): unknown {
  if (n % 41 === 0) return `p${n % 3}`
  if (n % 43 === 0) return n % 2 === 0
  if (n % 47 === 0) return null
  if (n % 53 === 0) return undefined
  if (n % 59 === 0) return 1.5
  return 1 + (n % 4)
}

function headlines(): object[] {
  const docs: object[] = []
  const headline = (id: string, n: number) => {
    const at = position(n)
    return {_id: id, _type: 'headline', text: `h ${n}`, ...(at === undefined ? {} : {position: at})}
  }
  for (let n = 0; n < 600; n++) {
    const id = `hl-${String(n).padStart(3, '0')}`
    docs.push(headline(id, n))
    if (n % 5 === 0) docs.push(headline(`drafts.${id}`, n + 1))
    if (n % 7 === 0) docs.push(headline(`versions.eid.${id}`, n + 2))
  }
  // Layers far from their group in stored-id order.
  docs.push(headline('drafts.zz-1', 0), headline('versions.eid.aa-1', 1))
  docs.push({_id: 'art-1', _type: 'article', position: 0})
  return docs
}

const QUERIES = [
  '*[_type == "headline"] | order(position asc, _id asc) [0...10] {_id, position, text}',
  '*[_type == "headline"] | order(position desc, _id desc) [0...25] {_id, position}',
  '*[_type == "headline"] | order(position) [40...60] {_id, position}',
  '*[_type == "headline"] | order(position desc, text) [0...15] {_id, text}',
]

const lake = useTestLake({inProcess: true})

/** The order indexes in the dataset file: their SQL. */
function orderIndexes(): string[] {
  const db = new DatabaseSync(join(lake().dataDir, 'datasets', `${DATASET}.sqlite`), {
    readOnly: true,
  })
  try {
    const rows = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
      .all() as {sql: string}[]
    return rows.map((row) => row.sql).filter((sql) => /\(type, /.test(sql))
  } finally {
    db.close()
  }
}

describe('an ordered slice of one type', () => {
  let stored: StoredDocument[]
  beforeAll(async () => {
    stored = await loadDocuments(lake(), DATASET, headlines(), 200)
  })

  async function answersAsGroqJs(when: string) {
    for (const perspective of PERSPECTIVES) {
      for (const groq of QUERIES) {
        const answer = await query(lake(), DATASET, groq, {}, perspectiveParam(perspective))
        expect(answer.status, `${when}, ${String(perspective)}: ${groq}`).toBe(200)
        const expected = await groqJs(stored, perspective, {query: groq, params: {}, ordered: true})
        expect(answer.body.result, `${when}, ${String(perspective)}: ${groq}`).toEqual(expected)
      }
    }
  }

  test("an editor's queries index the type in the path's order, and the answers stay groq-js's in every perspective", async () => {
    await answersAsGroqJs('before the index')
    // The queries above were the administrator's: past two uses the order's path is indexed, on
    // the store's thread between write groups.
    // One an order's direction: read backwards, one index would give the ties descending.
    await vi.waitFor(() => expect(orderIndexes()).toHaveLength(2), {timeout: 15_000})
    for (const sql of orderIndexes()) expect(sql).toContain(`json_extract(body, '$."position"')`)
    // The ordered scan of the type as the published perspective and a stack read it (ties by
    // document group) is read off the index, nothing sorted (Store.seeks: SQLite's plan).
    const store = createSqliteStore(
      join(lake().dataDir, 'datasets', `${DATASET}.sqlite`),
      DATASET,
      {readOnly: true, cacheBytes: 0},
    )
    try {
      for (const desc of [false, true]) {
        for (const excludeIdPrefixes of [['drafts.', 'versions.'], [], ['versions.']]) {
          const hint = {
            types: ['headline'],
            order: [{path: ['position'], desc}],
            groupTies: true,
            excludeIdPrefixes,
          }
          expect(store.seeks({hint}), JSON.stringify(hint)).toBe(true)
        }
      }
    } finally {
      store.close()
    }
    await answersAsGroqJs('with the index')
  }, 120_000)
})

/**
 * Transactions built away from the write lock (on a query worker, docs/query-engine.md#writes-off-the-event-loop)
 * and committed with commitBuilt must be the transactions runTransaction makes in place: the same
 * documents, log entries, effects and results, the same errors; and a document they read that
 * changes before the commit makes them build again rather than overwrite it.
 */
import {afterEach, describe, expect, test} from 'vitest'
import {ConflictError, type MutationError} from '../../../lake/core/errors.ts'
import {
  buildTransaction,
  commitBuilt,
  runTransaction,
  StaleBuildError,
} from '../../../lake/core/transaction.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {
  applyWrites,
  IN_PLACE_WRITE_BYTES,
  writesWork,
  type Writes,
} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {eventLines} from '../../helpers/events.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'

type Store = ReturnType<typeof createSqliteStore>
const stores: Store[] = []
afterEach(() => stores.splice(0).forEach((store) => store.close()))

const items = Array.from({length: 300}, (_, i) => ({_key: `k${i}`, _type: 'item', t: `t${i}`}))
const SEED: Writes = {
  kind: 'mutations',
  mutations: [
    {create: {_id: 'drafts.a', _type: 'article', title: 'শিরোনাম', items, body: 'ab'.repeat(200)}},
    {create: {_id: 'a', _type: 'article', title: 'published', items}},
    {create: {_id: 's1', _type: 'source', name: 'বার্তা'}},
  ],
}

/** A store seeded the same way, with a clock that moves a second per transaction. */
async function seeded() {
  const store = createSqliteStore(':memory:', 'test')
  stores.push(store)
  let clock = Date.parse('2026-03-01T00:00:00.000Z')
  const published: CommittedTransaction[] = []
  const bus = createEventBus()
  bus.subscribe('test', (tx) => published.push(tx))
  const options = {
    store,
    bus,
    identity: 'pEditor',
    now: () => new Date((clock += 1000)),
    transactionId: undefined as string | undefined,
  }
  await runTransaction({...options, transactionId: 'seed'}, (ws) => applyWrites(ws, SEED))
  return {store, options, published}
}

const CASES: [string, Writes][] = [
  [
    'patches of every kind on one draft',
    {
      kind: 'mutations',
      mutations: [
        {patch: {id: 'drafts.a', set: {title: 'নতুন'}, inc: {n: 1}, setIfMissing: {n: 0}}},
        {patch: {id: 'drafts.a', set: {'items[_key=="k299"].t': 'last'}, unset: ['items[0]']}},
        {patch: {id: 'drafts.a', insert: {after: 'items[-1]', items: [{_key: 'new', t: 'x'}]}}},
        {patch: {id: 'drafts.a', diffMatchPatch: {body: '@@ -1,4 +1,5 @@\n abab\n+z\n'}}},
        {patch: {id: 'drafts.a', inc: {n: 2}}},
      ],
    },
  ],
  [
    'creates, replaces and deletes, a new document and one with its own _createdAt',
    {
      kind: 'mutations',
      mutations: [
        {createOrReplace: {_id: 'drafts.a', _type: 'article', title: 'replaced'}},
        {create: {_id: 'b', _type: 'article', title: 'new'}},
        {createIfNotExists: {_id: 'c', _type: 'article', _createdAt: '2020-01-01T00:00:00Z'}},
        {createIfNotExists: {_id: 'a', _type: 'article'}},
        {delete: {id: 's1'}},
        {patch: {id: 'b', set: {n: 1}}},
      ],
    },
  ],
  [
    "the Studio's actions: edit a published-only document, publish, edit again",
    {
      kind: 'actions',
      actions: [
        {
          actionType: 'sanity.action.document.edit',
          draftId: 'drafts.a',
          publishedId: 'a',
          patch: {set: {title: 'edited'}},
        },
        {actionType: 'sanity.action.document.publish', draftId: 'drafts.a', publishedId: 'a'},
        {
          actionType: 'sanity.action.document.edit',
          draftId: 'drafts.a',
          publishedId: 'a',
          patch: {set: {title: 'after publish'}},
        },
        {
          actionType: 'sanity.action.document.create',
          publishedId: 'n1',
          attributes: {_type: 'article', title: 'created'},
        },
      ],
    },
  ],
]

const SERIALISED = [false, true].flatMap((serialise) =>
  CASES.map(([name, writes]) => [name, serialise, writes] as const),
)

describe('a transaction built away from the write lock', () => {
  test.each(SERIALISED)(
    '%s (serialised: %s): the same changes, log, events and result as built in place',
    async (_, serialise, writes) => {
      const inPlace = await seeded()
      const built = await seeded()
      const a = await runTransaction({...inPlace.options, transactionId: 'tx'}, (ws) =>
        applyWrites(ws, writes),
      )
      const made = await buildTransaction(
        {...built.options, transactionId: 'tx', serialise},
        (ws) => applyWrites(ws, writes),
      )
      // Nothing is written while it is built; serialised, it is text and rows only.
      expect(built.store.getTransaction('tx')).toBeNull()
      expect(made.changes).toHaveLength(serialise ? 0 : a.transaction.changes.length)
      // What crosses from the write thread: a structured clone.
      const b = await commitBuilt({...built.options, transactionId: 'tx'}, structuredClone(made))
      expect(b.result).toEqual(a.result)
      // The events, before anything reads the serialised changes' documents.
      const lines = eventLines(built.published.at(-1)!)
      expect(lines).toEqual(eventLines(inPlace.published.at(-1)!))
      expect(b.transaction).toEqual(a.transaction)
      // What the log keeps and the listeners hear, byte for byte.
      expect(JSON.stringify(built.store.getTransaction('tx'))).toBe(
        JSON.stringify(inPlace.store.getTransaction('tx')),
      )
      expect(JSON.stringify(built.published.at(-1))).toBe(JSON.stringify(inPlace.published.at(-1)))
      const ids = a.transaction.changes.map((change) => change.id)
      expect(built.store.getDocuments(ids)).toEqual(inPlace.store.getDocuments(ids))
      expect(built.store.getTransactions({ids})).toEqual(inPlace.store.getTransactions({ids}))
      for (const id of ids) {
        expect(built.store.referrersOf([id])).toEqual(inPlace.store.referrersOf([id]))
        expect(built.store.documentAt(id, {revision: 'seed'})).toEqual(
          inPlace.store.documentAt(id, {revision: 'seed'}),
        )
      }
    },
  )

  test("its timestamp is the commit's, later than one committed while it was built", async () => {
    const {store, options} = await seeded()
    const made = await buildTransaction(options, (ws) =>
      applyWrites(ws, {kind: 'mutations', mutations: [{patch: {id: 'drafts.a', set: {n: 1}}}]}),
    )
    const other = await runTransaction(options, (ws) =>
      applyWrites(ws, {kind: 'mutations', mutations: [{create: {_id: 'o', _type: 'x'}}]}),
    )
    const outcome = await commitBuilt(options, made)
    expect(outcome.transaction.timestamp > other.transaction.timestamp).toBe(true)
    expect(store.getDocuments(['drafts.a'])[0]).toMatchObject({
      n: 1,
      _updatedAt: outcome.transaction.timestamp,
    })
    expect(JSON.stringify(outcome.transaction)).not.toContain(made.stand)
  })

  test.each([
    ['patched', {patch: {id: 'drafts.a', set: {title: 'meanwhile'}}}],
    ['deleted', {delete: {id: 'drafts.a'}}],
    ['created where it read nothing', {create: {_id: 'absent', _type: 'x'}}],
  ])(
    'a document it read and that was %s meanwhile refuses the commit, writing nothing',
    async (_, meanwhile) => {
      const {store, options, published} = await seeded()
      const made = await buildTransaction(options, (ws) =>
        applyWrites(ws, {
          kind: 'mutations',
          mutations: [
            {patch: {id: 'drafts.a', inc: {n: 1}}},
            {createIfNotExists: {_id: 'absent', _type: 'x', by: 'built'}},
          ],
        }),
      )
      await runTransaction(options, (ws) =>
        applyWrites(ws, {kind: 'mutations', mutations: [meanwhile]}),
      )
      const before = published.length
      const refused = commitBuilt(options, made)
      await expect(refused).rejects.toBeInstanceOf(StaleBuildError)
      await expect(refused).rejects.toBeInstanceOf(ConflictError)
      expect(published).toHaveLength(before)
      expect(store.getTransaction(made.id)).toBeNull()
      expect(store.getDocuments(['absent'])[0]?.by).toBeUndefined()
    },
  )

  test('errors are the ones built in place', async () => {
    const {options} = await seeded()
    const writes: Writes = {
      kind: 'mutations',
      mutations: [
        {patch: {id: 'drafts.a', set: {n: 1}}},
        {patch: {id: 'drafts.a', ifRevisionID: 'other', set: {n: 2}}},
      ],
    }
    const built = buildTransaction({...options, transactionId: 'tx'}, (ws) =>
      applyWrites(ws, writes),
    )
    const inPlace = runTransaction({...options, transactionId: 'tx'}, (ws) =>
      applyWrites(ws, writes),
    )
    const [a, b] = await Promise.allSettled([inPlace, built])
    expect(a.status).toBe('rejected')
    expect(b.status).toBe('rejected')
    const [ea, eb] = [a, b].map((r) => (r as PromiseRejectedResult).reason as MutationError)
    expect(eb).toBeInstanceOf(ConflictError)
    expect(eb.items).toEqual(ea.items)
    expect(eb.message).toBe(ea.message)
  })
})

describe('the work a write may take', () => {
  const sizes = (bytes: Record<string, number>) => (ids: readonly string[]) =>
    ids.map((id) => bytes[id] ?? 0)

  test("a keystroke's patch of a draft is small; many operations on a large one are not", () => {
    const edit = (patch: object): Writes => ({
      kind: 'actions',
      actions: [
        {actionType: 'sanity.action.document.edit', draftId: 'drafts.a', publishedId: 'a', patch},
      ],
    })
    const stored = sizes({'drafts.a': 20_000, a: 20_000})
    expect(writesWork(edit({set: {title: 'x'}}), 300, stored)).toBeLessThan(100_000)
    const large = sizes({'drafts.a': 3_000_000, a: 3_000_000})
    const paths = Object.fromEntries(Array.from({length: 10}, (_, i) => [`items[${i}].t`, 'x']))
    // Each of the 10 paths may scan and copy the 3 MB draft's array.
    expect(writesWork(edit({set: paths}), 300, large)).toBeGreaterThan(30_000_000)
  })

  test('a patch of a document the request itself gives content counts it at that size', () => {
    // A draft created in the request has no stored size: 200 keyed paths over its 20,000 items
    // held the event loop 8 s in place (load 13), within a 515 kB request.
    const items = Array.from({length: 20_000}, (_, i) => ({_key: `k${i}`, t: 'x'}))
    const paths = Object.fromEntries(
      Array.from({length: 200}, (_, i) => [`items[_key=="k${i}"].t`, 'q']),
    )
    const replace = {createOrReplace: {_id: 'drafts.x', _type: 'article', items}}
    const created: Writes = {
      kind: 'mutations',
      mutations: [replace, {patch: {id: 'drafts.x', set: paths}}],
    }
    const length = JSON.stringify({mutations: created.mutations}).length
    expect(length).toBeLessThan(IN_PLACE_WRITE_BYTES)
    expect(writesWork(created, length, sizes({}))).toBeGreaterThan(200 * 500_000)
    // The same through the Actions API: a new draft's attributes, then edits of it.
    const actions: Writes = {
      kind: 'actions',
      actions: [
        {
          actionType: 'sanity.action.document.create',
          publishedId: 'x',
          attributes: {_id: 'drafts.x', _type: 'article', items},
          ifExists: 'fail',
        },
        {
          actionType: 'sanity.action.document.edit',
          draftId: 'drafts.x',
          publishedId: 'x',
          patch: {set: paths},
        },
      ],
    }
    expect(writesWork(actions, length, sizes({}))).toBeGreaterThan(200 * 500_000)
    // A document that is only written counts once, as the request's bytes.
    const replaced: Writes = {kind: 'mutations', mutations: [replace]}
    expect(writesWork(replaced, length, sizes({}))).toBe(length)
  })

  test('each diffMatchPatch hunk counts, and a query match counts at its size', () => {
    const hunks = Array.from(
      {length: 50},
      (_, i) => `@@ -${i * 10 + 1},4 +${i * 10 + 1},5 @@\n abab\n+z\n`,
    )
    const dmp: Writes & {kind: 'mutations'} = {
      kind: 'mutations',
      mutations: [{patch: {id: 'd', diffMatchPatch: {body: hunks.join('')}}}],
    }
    // Read once, then each hunk walks it with what the request carries for it.
    const carried = (writes: Writes & {kind: 'mutations'}) =>
      JSON.stringify(Object.values((writes.mutations as object[])[0])[0]).length
    expect(writesWork(dmp, 0, sizes({d: 1000}))).toBe(1000 + 50 * (1000 + carried(dmp)))
    const byQuery: Writes & {kind: 'mutations'} = {
      kind: 'mutations',
      mutations: [{patch: {query: '*[_type == "x"]', set: {n: 1}}}],
      matched: new Map([
        [
          0,
          [
            ['m1', 'r'],
            ['m2', 'r'],
          ],
        ],
      ]),
    }
    expect(writesWork(byQuery, 10, sizes({m1: 100, m2: 200}))).toBe(
      10 + (100 + 100 + carried(byQuery)) + (200 + 200 + carried(byQuery)),
    )
  })
})

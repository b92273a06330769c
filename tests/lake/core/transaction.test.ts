/**
 * The transaction pipeline without HTTP: mutations and actions on an in-memory SQLite store. The
 * central property: for every change, the recorded wire mutations applied with @sanity/mutator
 * (as the Studio does) and the mendoza effects (as its history does) both reproduce the new state.
 */
import {Mutation} from '@sanity/mutator'
import {applyPatch} from 'mendoza'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {applyActions} from '../../../lake/core/actions.ts'
import {ConflictError, MutationError} from '../../../lake/core/errors.ts'
import {
  applyMutations,
  applyPatch as mutationsApplyPatch,
  matchQueries,
  StaleMatchError,
} from '../../../lake/core/mutations.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {runTransaction, withoutRev} from '../../../lake/core/transaction.ts'
import type {CommittedTransaction, SanityDocument} from '../../../lake/core/types.ts'
import {createEventBus, type EventBus} from '../../../lake/events/bus.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import type {Store} from '../../../lake/core/store.ts'

let store: Store
let bus: EventBus
let published: CommittedTransaction[]
let clock: number

beforeEach(() => {
  store = createSqliteStore(':memory:', 'test')
  bus = createEventBus()
  published = []
  bus.subscribe('test', (tx) => published.push(tx))
  clock = Date.parse('2026-01-01T00:00:00.000Z')
})
afterEach(() => store.close())

const options = (extra = {}) => ({
  store,
  bus,
  identity: 'pTester',
  now: () => new Date((clock += 1000)),
  ...extra,
})
/** A mutation's query as the lake runs it (on a worker there): [_id, _rev], over the committed documents. */
async function matchInProcess(query: string, params: Record<string, unknown>) {
  const admin = {id: 'pTester', kind: 'token' as const, role: 'administrator' as const}
  const environment = {now: new Date(clock), projectId: 'p', dataset: 'test'}
  const result = await executeQuery(
    store,
    {query, params, perspective: 'raw', apiVersion: 'X'},
    admin,
    environment,
  )
  return (result as {_id: string; _rev: string}[]).map((doc): [string, string] => [
    doc._id,
    doc._rev,
  ])
}
const mutate = async (mutations: unknown[], extra = {}) => {
  const matched = await matchQueries(mutations, matchInProcess)
  return runTransaction(options(extra), (ws) => applyMutations(ws, mutations, {matched}))
}
const act = (actions: unknown[], extra = {}) =>
  runTransaction(options(extra), (ws) => applyActions(ws, actions))
const doc = (id: string) => store.getDocuments([id])[0]

/** Applies a change's mutations the way the Studio's buffered document does. */
function replay(tx: CommittedTransaction) {
  for (const change of tx.changes) {
    const mutation = new Mutation({
      mutations: change.mutations as never,
      resultRev: tx.id,
      timestamp: tx.timestamp,
    })
    const result = mutation.apply(change.before as never)
    expect(result, `mutations of ${change.id}`).toEqual(change.after)
    const effected = applyPatch(withoutRev(change.before) as never, change.effects.apply as never)
    expect(effected, `effects of ${change.id}`).toEqual(withoutRev(change.after))
    const reverted = applyPatch(withoutRev(change.after) as never, change.effects.revert as never)
    expect(reverted, `revert of ${change.id}`).toEqual(withoutRev(change.before))
  }
}

describe('mutations', () => {
  test('every mutation kind records wire mutations that reproduce the new state', async () => {
    await mutate([
      {create: {_id: 'a', _type: 't', title: 'H', body: [{_key: 'k1', t: 'x'}], n: 1}},
      {createIfNotExists: {_id: 'b', _type: 't'}},
      {createOrReplace: {_id: 'c', _type: 't', x: 1}},
    ])
    await mutate([
      {
        patch: {
          id: 'a',
          set: {title: 'He'},
          setIfMissing: {sub: 's'},
          unset: ['nope'],
          inc: {n: 2},
        },
      },
      {patch: {id: 'a', insert: {after: 'body[-1]', items: [{_key: 'k2', t: 'y'}]}}},
      {patch: {id: 'a', diffMatchPatch: {title: '@@ -1,2 +1,5 @@\n He\n+llo\n'}}},
      {createOrReplace: {_id: 'c', _type: 't', y: 2}},
      {delete: {id: 'b'}},
    ])
    expect(published).toHaveLength(2)
    for (const tx of published) replay(tx)
    expect(doc('a')).toMatchObject({title: 'Hello', n: 3, sub: 's', _rev: published[1].id})
    expect(doc('b')).toBeNull()
  })

  test('patch and delete by query touch every match and record per-document mutations', async () => {
    await mutate([
      {create: {_id: 'q1', _type: 'q'}},
      {create: {_id: 'q2', _type: 'q'}},
      {create: {_id: 'other', _type: 'o'}},
    ])
    const {result} = await mutate([{patch: {query: '*[_type == "q"]', set: {hit: true}}}])
    expect(result.map((r) => r.id)).toEqual(['q1', 'q2'])
    expect(published[1].changes.map((c) => c.mutations)).toEqual([
      [{patch: {id: 'q1', set: {hit: true}}}],
      [{patch: {id: 'q2', set: {hit: true}}}],
    ])
    replay(published[1])
    await mutate([{delete: {query: '*[_type == $t]', params: {t: 'q'}}}])
    expect(store.count()).toBe(1)
  })

  test('a query match whose document changed before the transaction is refused, writing nothing', async () => {
    await mutate([{create: {_id: 'g1', _type: 'g', locked: false}}])
    const mutations = [{delete: {query: '*[_type == "g" && locked != true]'}}]
    const matched = await matchQueries(mutations, matchInProcess)
    // Locked between the match and the transaction: the match no longer holds.
    await mutate([{patch: {id: 'g1', set: {locked: true}}}])
    const stale = runTransaction(options(), (ws) => applyMutations(ws, mutations, {matched}))
    await expect(stale).rejects.toBeInstanceOf(StaleMatchError)
    await expect(stale).rejects.toMatchObject({items: [{error: {type: 'revisionMismatchError'}}]})
    expect(doc('g1')).toMatchObject({locked: true})
    // A match deleted meanwhile is skipped, as before.
    const again = await matchQueries([{delete: {query: '*[_type == "g"]'}}], matchInProcess)
    await mutate([{delete: {id: 'g1'}}])
    const {result} = await runTransaction(options(), (ws) =>
      applyMutations(ws, [{delete: {query: '*[_type == "g"]'}}], {matched: again}),
    )
    expect(result).toEqual([])
  })

  test('a failure anywhere writes nothing and publishes nothing', async () => {
    await mutate([{create: {_id: 'a', _type: 't'}}])
    await expect(
      mutate([{create: {_id: 'new', _type: 't'}}, {patch: {id: 'missing', set: {a: 1}}}]),
    ).rejects.toBeInstanceOf(ConflictError)
    expect(doc('new')).toBeNull()
    expect(published).toHaveLength(1)
    expect(store.getTransactions({ids: ['new']})).toEqual([])
  })

  test('a create patched in the same request, nested 100,000 deep, is refused by name', async () => {
    // The patch budget measures the created document as JSON: JSON.stringify recursed past the
    // stack (a RangeError, a 500) where nothing had checked its depth yet (a body read on a thread).
    let x: unknown = 1
    for (let i = 0; i < 100_000; i++) x = [x]
    for (const create of ['create', 'createOrReplace', 'createIfNotExists']) {
      const err = await mutate([
        {[create]: {_id: 'deep', _type: 't', x}},
        {patch: {id: 'deep', set: {y: 1}}},
      ]).catch((e: unknown) => e)
      expect(err, create).toBeInstanceOf(MutationError)
      expect((err as MutationError).description).toMatch(/Mutation 0 on "deep" nests objects/)
    }
    const action = await act([
      {
        actionType: 'sanity.action.document.create',
        publishedId: 'deep',
        attributes: {_id: 'drafts.deep', _type: 't', x},
        ifExists: 'fail',
      },
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.deep',
        publishedId: 'deep',
        patch: {set: {y: 1}},
      },
    ]).catch((e: unknown) => e)
    expect(action).toBeInstanceOf(MutationError)
    expect(doc('deep')).toBeNull()
    expect(doc('drafts.deep')).toBeNull()
  })

  test('validation errors carry the index of the failing mutation', async () => {
    const err = await mutate([
      {create: {_id: 'ok', _type: 't'}},
      {create: {_id: 'bad id', _type: 't'}},
    ]).catch((e) => e)
    expect(err).toBeInstanceOf(MutationError)
    expect(err.items[0]).toMatchObject({index: 1, error: {type: 'validationError'}})
    const missingType = await mutate([{create: {_id: 'x'}}]).catch((e) => e)
    expect(missingType).toBeInstanceOf(MutationError)
    const unknown = await mutate([{upsert: {_id: 'x'}}]).catch((e) => e)
    expect(unknown.description).toContain('Unknown mutation type')
  })

  test('no-op transactions commit nothing and publish nothing', async () => {
    await mutate([{create: {_id: 'a', _type: 't'}}])
    const outcome = await mutate([
      {createIfNotExists: {_id: 'a', _type: 't'}},
      {delete: {id: 'none'}},
    ])
    expect(outcome.committed).toBe(false)
    expect(published).toHaveLength(1)
  })

  test('dryRun computes changes but neither writes nor publishes', async () => {
    const outcome = await mutate([{create: {_id: 'a', _type: 't'}}], {dryRun: true})
    expect(outcome.transaction.changes[0].after).toMatchObject({_id: 'a'})
    expect(doc('a')).toBeNull()
    expect(published).toHaveLength(0)
  })

  test('timestamps strictly increase even when the clock stands still or goes back', async () => {
    const frozen = () => new Date('2026-01-01T00:00:00.000Z')
    const a = await mutate([{create: {_id: 'a', _type: 't'}}], {now: frozen})
    const b = await mutate([{create: {_id: 'b', _type: 't'}}], {now: frozen})
    const c = await mutate([{create: {_id: 'c', _type: 't'}}], {now: () => new Date('2020-01-01')})
    expect(a.transaction.timestamp < b.transaction.timestamp).toBe(true)
    expect(b.transaction.timestamp < c.transaction.timestamp).toBe(true)
  })

  test('concurrent transactions are serialised: no lost updates', async () => {
    await mutate([{create: {_id: 'counter', _type: 't', n: 0}}])
    await Promise.all(
      Array.from({length: 25}, () => mutate([{patch: {id: 'counter', inc: {n: 1}}}])),
    )
    expect(doc('counter')!.n).toBe(25)
    const revs = published.map((tx) => tx.changes[0].before?._rev ?? null)
    // Each event's previous revision is the one before it: the chain the Studio follows.
    expect(revs.slice(1)).toEqual(published.slice(0, -1).map((tx) => tx.id))
  })

  test('the bus hears a commit only after it is in the store', async () => {
    let seen: SanityDocument | null | undefined
    bus.subscribe('test', (tx) => {
      seen = store.getDocuments([tx.changes[0].id])[0]
    })
    await mutate([{create: {_id: 'a', _type: 't', v: 1}}])
    expect(seen).toMatchObject({_id: 'a', v: 1})
  })
})

describe('actions', () => {
  const A = 'sanity.action.document.'

  test('the Studio journey: create, edit, publish, edit published, unpublish, discard, delete', async () => {
    await act([
      {
        actionType: `${A}create`,
        publishedId: 'x',
        attributes: {_id: 'drafts.x', _type: 't'},
        ifExists: 'fail',
      },
    ])
    await act([
      {actionType: `${A}edit`, draftId: 'drafts.x', publishedId: 'x', patch: {set: {title: 'H'}}},
    ])
    await act([{actionType: `${A}publish`, draftId: 'drafts.x', publishedId: 'x'}])
    expect(doc('drafts.x')).toBeNull()
    const pub = doc('x')!
    await act([
      {actionType: `${A}edit`, draftId: 'drafts.x', publishedId: 'x', patch: {set: {title: 'H2'}}},
    ])
    expect(doc('drafts.x')).toMatchObject({title: 'H2', _createdAt: pub._createdAt})
    await act([
      {
        actionType: `${A}publish`,
        draftId: 'drafts.x',
        publishedId: 'x',
        ifPublishedRevisionId: pub._rev,
      },
    ])
    expect(doc('x')).toMatchObject({title: 'H2', _createdAt: pub._createdAt})
    await act([{actionType: `${A}unpublish`, draftId: 'drafts.x', publishedId: 'x'}])
    expect(doc('x')).toBeNull()
    expect(doc('drafts.x')).toMatchObject({title: 'H2'})
    await act([
      {actionType: `${A}edit`, draftId: 'drafts.x', publishedId: 'x', patch: {set: {title: 'H3'}}},
    ])
    await act([{actionType: `${A}discard`, draftId: 'drafts.x'}])
    expect(doc('drafts.x')).toBeNull()
    await mutate([{create: {_id: 'y', _type: 't'}}, {create: {_id: 'drafts.y', _type: 't'}}])
    await act([{actionType: `${A}delete`, publishedId: 'y', includeDrafts: ['drafts.y']}])
    expect(store.count()).toBe(0)
    for (const tx of published) replay(tx)
  })

  test('publish records createOrReplace on the published id and delete on the draft', async () => {
    await mutate([{create: {_id: 'drafts.p', _type: 't', title: 'T'}}])
    await act([{actionType: `${A}publish`, draftId: 'drafts.p', publishedId: 'p'}])
    const tx = published[1]
    expect(tx.changes.map((c) => [c.id, Object.keys(c.mutations[0])[0]])).toEqual([
      ['p', 'createOrReplace'],
      ['drafts.p', 'delete'],
    ])
  })

  test('a draft id of another document is refused', async () => {
    await expect(
      act([
        {actionType: `${A}edit`, draftId: 'drafts.other', publishedId: 'x', patch: {set: {a: 1}}},
      ]),
    ).rejects.toBeInstanceOf(MutationError)
  })

  test('unsupported action types are refused by name', async () => {
    const err = await act([{actionType: 'sanity.action.release.publish', releaseId: 'r'}]).catch(
      (e) => e,
    )
    expect(err.description).toContain('sanity.action.release.publish')
  })

  test('release.import creates, ignores or replaces the release document', async () => {
    const imp = (ifExists: string, title: string) => ({
      actionType: 'sanity.action.release.import',
      releaseId: 'r1',
      attributes: {_id: '_.releases.r1', _type: 'system.release', name: 'r1', metadata: {title}},
      ifExists,
    })
    await act([imp('fail', 'one')])
    await expect(act([imp('fail', 'two')])).rejects.toBeInstanceOf(ConflictError)
    await act([imp('ignore', 'three')])
    expect(doc('_.releases.r1')!.metadata).toEqual({title: 'one'})
    await act([imp('replace', 'four')])
    expect(doc('_.releases.r1')!.metadata).toEqual({title: 'four'})
  })
})

describe('working set', () => {
  test('a batch reads the documents its mutations name in one read, not one by one', async () => {
    await mutate([{create: {_id: 'a', _type: 't', n: 1}}])
    const calls: string[][] = []
    const getDocuments = store.getDocuments.bind(store)
    store.getDocuments = (ids) => (calls.push([...ids]), getDocuments(ids))
    const batch = Array.from({length: 50}, (_, i) => ({
      createOrReplace: {_id: `d${i}`, _type: 't'},
    }))
    await runTransaction(options(), (ws) =>
      applyMutations(ws, [
        ...batch,
        {patch: {id: 'a', inc: {n: 1}}},
        {delete: {id: 'd3'}},
        {createIfNotExists: {_id: 'a', _type: 't'}},
      ]),
    )
    expect(calls).toHaveLength(1)
    expect(calls[0].sort()).toEqual(['a', ...batch.map((m) => m.createOrReplace._id)].sort())
    expect(doc('a')?.n).toBe(2)
    expect(doc('d3')).toBeNull()
    expect(doc('d49')?._type).toBe('t')
  })

  test('reads each document from the store once per transaction, and hands out copies', async () => {
    await mutate([{create: {_id: 'a', _type: 't', tags: ['x']}}])
    const reads: string[] = []
    const getDocuments = store.getDocuments.bind(store)
    store.getDocuments = (ids) => (reads.push(...ids), getDocuments(ids))
    const {result} = await runTransaction(options(), async (ws) => {
      await applyMutations(ws, [
        {createOrReplace: {_id: 'a', _type: 't', tags: ['y']}},
        {patch: {id: 'a', insert: {after: 'tags[-1]', items: ['z']}}},
        {createIfNotExists: {_id: 'b', _type: 't'}},
        {patch: {id: 'b', set: {n: 1}}},
      ])
      const copy = ws.get('a')!
      ;(copy.tags as string[]).push('changed outside')
      return ws.get('a')
    })
    expect(reads.sort()).toEqual(['a', 'b'])
    expect(result?.tags).toEqual(['y', 'z'])
    expect(doc('a')?.tags).toEqual(['y', 'z'])
    expect(doc('b')?.n).toBe(1)
  })
})

describe('a document written whole (bulk loads, issue 9)', () => {
  test('a plain one is stored as it is: the change shares its values, walked once', async () => {
    const body = [{_type: 'block', _key: 'p0', children: [{_type: 'span', text: 'আজ'}]}]
    const {transaction} = await mutate([
      {createOrReplace: {_id: 'a', _type: 'article', body, source: {_ref: 's'}}},
    ])
    const [change] = transaction.changes
    expect(change.after?.body).toBe(body)
    expect(change.after?.source).toEqual({_ref: 's'})
    expect(doc('a')).toEqual(change.after)
    replay(transaction)
  })

  test('anything JSON would change is stored as its JSON text makes it', async () => {
    class Point {
      x = 1
    }
    const odd = {
      gone: undefined,
      negativeZero: -0,
      when: new Date('2026-01-01T00:00:00.000Z'),
      point: new Point(),
      holes: [1, , 3], // eslint-disable-line no-sparse-arrays
      list: [undefined, 2],
      nothing: Object.assign(Object.create(null) as object, {a: 1}),
    }
    for (const [key, value] of Object.entries(odd)) {
      const id = `odd-${key}`
      const {transaction} = await mutate([{createOrReplace: {_id: id, _type: 't', value}}])
      const expected = JSON.parse(JSON.stringify({value})) as {value: unknown}
      const after = transaction.changes[0].after!
      expect(Object.keys(after), key).toEqual(Object.keys(doc(id)!))
      expect(after.value, key).toStrictEqual(expected.value)
      expect(Object.is(after.value, -0), key).toBe(false)
    }
  })

  test('a number JSON cannot hold is refused: its JSON text would make it null', async () => {
    for (const value of [Number.NaN, Infinity, [{n: -Infinity}]]) {
      await expect(
        mutate([{createOrReplace: {_id: 'odd-number', _type: 't', value}}]),
      ).rejects.toThrow(/too large for JSON/)
      expect(doc('odd-number')).toBeNull()
    }
  })
})

describe('the stored size limit: LIMITS.documentBytes of UTF-8, as JSON', () => {
  // Bengali letters are 3 bytes of UTF-8 and 1 UTF-16 unit: these texts are under the limit in
  // characters, so only a count of the stored JSON's bytes refuses them.
  const bengali = (bytes: number) => 'ক'.repeat(Math.ceil(bytes / 3))
  const refusal = (id: string, index: number) => ({
    error: {type: 'documentTooLargeError', id},
    index,
  })
  const sizeMessage = new RegExp(
    `^The mutation\\(s\\) failed: Document "(.+)" is (\\d+) bytes as JSON; at most ${LIMITS.documentBytes} are allowed$`,
  )
  const refusedSize = (err: unknown) => {
    expect(err).toBeInstanceOf(MutationError)
    const [, , bytes] = sizeMessage.exec((err as MutationError).description) ?? []
    return Number(bytes)
  }

  test('a document written whole past it is refused naming its bytes, nothing stored', async () => {
    const text = bengali(LIMITS.documentBytes)
    expect(text.length).toBeLessThan(LIMITS.documentBytes / 2)
    const err = await mutate([
      {createOrReplace: {_id: 'small', _type: 't'}},
      {createOrReplace: {_id: 'large', _type: 't', text}},
    ]).catch((e: unknown) => e)
    expect((err as MutationError).items[0]).toMatchObject(refusal('large', 1))
    expect(refusedSize(err)).toBeGreaterThan(LIMITS.documentBytes)
    expect([doc('small'), doc('large')]).toEqual([null, null])
  })

  test('a document a patch grows past it is refused, the stored one left as it was', async () => {
    const half = bengali(LIMITS.documentBytes / 2 + 1024)
    await mutate([{createOrReplace: {_id: 'grown', _type: 't', a: half}}])
    const stored = doc('grown')
    const err = await mutate([{patch: {id: 'grown', set: {b: half}}}]).catch((e: unknown) => e)
    expect((err as MutationError).items[0]).toMatchObject(refusal('grown', 0))
    expect(refusedSize(err)).toBeGreaterThan(LIMITS.documentBytes)
    expect(doc('grown')).toEqual(stored)
  })

  test('grown past it by patches of one request, each small, it is refused at the last', async () => {
    const third = bengali(LIMITS.documentBytes / 3)
    await mutate([{createOrReplace: {_id: 'grown', _type: 't', a: third}}])
    const stored = doc('grown')
    const err = await mutate([
      {patch: {id: 'grown', set: {b: third}}},
      {patch: {id: 'grown', set: {c: third}}},
    ]).catch((e: unknown) => e)
    expect((err as MutationError).items[0]).toMatchObject(refusal('grown', 1))
    expect(refusedSize(err)).toBeGreaterThan(LIMITS.documentBytes)
    expect(doc('grown')).toEqual(stored)
    // Within it, the same patches apply.
    const fits = bengali(LIMITS.documentBytes / 4)
    await mutate([
      {patch: {id: 'grown', set: {a: fits}}},
      {patch: {id: 'grown', set: {b: fits}}},
      {patch: {id: 'grown', set: {c: fits.slice(1024)}}},
    ])
    expect(doc('grown')!.c).toBe(fits.slice(1024))
  })
})

describe('text that is not Unicode: a lone UTF-16 surrogate (half of an emoji cut in two)', () => {
  // SQLite's JSON decodes `\ud800` to bytes no bound parameter equals: `*[title == $t]` found no
  // such document where `*[_id in [...] && title == $t]` (groq-js alone) found it.
  test.each([
    ['a value', {title: 'শিরোনাম \ud83d'}, /"title"/],
    [
      'an array item',
      {items: [{_key: 'k', t: ['ok', '\ude00 x']}]},
      /"items\[_key=="k"\]\.t\[1\]"/,
    ],
    ['an attribute name', {meta: {'a\udc00': 1}}, /"meta\["a\\udc00"\]"/],
  ])('in %s is refused naming where, nothing stored', async (_, fields, where) => {
    const err = await mutate([{createOrReplace: {_id: 'lone', _type: 't', ...fields}}]).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(MutationError)
    expect((err as MutationError).items[0]).toMatchObject({
      error: {type: 'validationError', id: 'lone'},
      index: 0,
    })
    expect((err as MutationError).description).toMatch(/lone UTF-16 surrogate/)
    expect((err as MutationError).description).toMatch(where)
    expect(doc('lone')).toBeNull()
  })

  test('a patch that makes one is refused; whole characters and escaped text are stored', async () => {
    const title = 'খবর 😀 \\ud800 as text'
    await mutate([{createOrReplace: {_id: 'whole', _type: 't', title}}])
    expect(doc('whole')!.title).toBe(title)
    const err = await mutate([{patch: {id: 'whole', set: {title: 'খবর \ud83d'}}}]).catch(
      (e: unknown) => e,
    )
    expect((err as MutationError).items[0]).toMatchObject({
      error: {type: 'validationError', id: 'whole'},
    })
    expect(doc('whole')!.title).toBe(title)
  })
})

describe("a client's transaction id", () => {
  // It becomes the log's id and each written document's `_rev`, which SQLite reads back as bytes
  // (ED A0 80): a document written under `q\ud800x` took no large write again, each a 409 "changed
  // while the transaction was built (revision \"q���x\", built on \"q\ud800x\")", forever.
  test.each([
    ['a create', [{create: {_id: 'made', _type: 't'}}]],
    ['a delete alone (no document holds it)', [{delete: {id: 'gone'}}]],
  ])('with a lone surrogate is refused in %s, saying what to send', async (_, mutations) => {
    await mutate([{create: {_id: 'gone', _type: 't'}}])
    const err = await mutate(mutations, {transactionId: 'q\ud800x'}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MutationError)
    expect((err as MutationError).items[0].error).toMatchObject({type: 'validationError'})
    expect((err as MutationError).description).toMatch(/transaction ID.*lone UTF-16 surrogate/)
    expect(doc('made')).toBeNull()
    expect(doc('gone')).not.toBeNull()
  })

  // It is each event's SSE `id:` line, which cannot hold a line break (such an event went without
  // one), and text in the lake's log lines (a line break forged a line, an escape coloured it).
  test.each([
    ['a NUL', 'q\u0000', 'U+0000 at character 2'],
    ['a line break', 'tx\nid: forged', 'U+000A at character 3'],
    ['an escape (a terminal colour)', '\u001b[31mred', 'U+001B at character 1'],
    ['a C1 control', 'tx\u0085', 'U+0085 at character 3'],
    ['DEL', 'tx\u007f', 'U+007F at character 3'],
  ])('with %s is refused, saying which and where', async (_, id, where) => {
    const err = await mutate([{create: {_id: 'ctl', _type: 't'}}], {transactionId: id}).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(MutationError)
    expect((err as MutationError).items[0].error).toMatchObject({type: 'validationError'})
    expect((err as MutationError).description).toContain(`a control character (${where})`)
    expect(doc('ctl')).toBeNull()
  })

  // The bound was there and untested: 128 is taken (below).
  test('of 129 characters is refused, saying how many', async () => {
    const err = await mutate([{create: {_id: 'long', _type: 't'}}], {
      transactionId: 'x'.repeat(129),
    }).catch((e: unknown) => e)
    expect((err as MutationError).description).toContain('it has 129 characters; send 1 to 128')
    expect(doc('long')).toBeNull()
  })

  test('any other text of up to 128 characters is taken', async () => {
    for (const [i, id] of ['tx-1', 'খবর-😀', 'a b:c/d', 'x'.repeat(128)].entries()) {
      const {transaction} = await mutate([{create: {_id: `t${i}`, _type: 't'}}], {
        transactionId: id,
      })
      expect(transaction.id).toBe(id)
      expect(doc(`t${i}`)!._rev).toBe(id)
    }
  })
})

describe('many patches of one document (issue 9 audit, finding 3)', () => {
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) deepFreeze(child)
      Object.freeze(value)
    }
    return value
  }

  test('a patch leaves the document it patches as it was (no copy is made first)', () => {
    const doc = deepFreeze({
      _id: 'a',
      _type: 't',
      _rev: 'r1',
      title: 'Hello',
      n: 1,
      meta: {tags: ['x'], deep: {v: 1}},
      body: [
        {_key: 'k1', t: 'x', marks: ['a']},
        {_key: 'k2', t: 'y'},
      ],
    }) as SanityDocument
    const before = JSON.stringify(doc)
    const patched = mutationsApplyPatch(doc, {
      set: {'body[_key=="k1"].t': 'z', 'meta.deep.v': 2, 'meta.tags[0]': 'y'},
      setIfMissing: {sub: {a: 1}},
      unset: ['body[_key=="k2"]', 'meta.tags[0]'],
      inc: {n: 2},
      insert: {after: 'body[-1]', items: [{_key: 'k3', t: 'w'}]},
      diffMatchPatch: {title: '@@ -1,5 +1,6 @@\n Hello\n+!\n'},
    })
    expect(JSON.stringify(doc)).toBe(before)
    expect(patched).toMatchObject({title: 'Hello!', n: 3, meta: {deep: {v: 2}, tags: []}})
    expect(patched.body).toEqual([
      {_key: 'k1', t: 'z', marks: ['a']},
      {_key: 'k3', t: 'w'},
    ])
  })

  const big = (id: string, length = 40_000) => ({
    _id: id,
    _type: 't',
    items: Array.from({length}, (_, i) => ({_key: `k${i}`, t: 'x'.repeat(20)})),
  })

  test('are checked once, and still reproduce the new state', async () => {
    await mutate([{create: big('drafts.big', 5_000)}])
    const patches = Array.from({length: 20}, (_, i) => ({
      patch: {id: 'drafts.big', set: {n: i, [`items[_key=="k${i}"].t`]: `y${i}`}},
    }))
    const {transaction} = await mutate(patches)
    expect(transaction.changes).toHaveLength(1)
    expect(transaction.changes[0].mutations).toHaveLength(20)
    replay(published[1])
    const stored = doc('drafts.big')!
    expect(stored.n).toBe(19)
    expect((stored.items as {t: string}[])[19].t).toBe('y19')
    // The committed document the patches started from is unchanged in the log.
    expect((published[0].changes[0].after!.items as {t: string}[])[19].t).toBe('x'.repeat(20))
  })

  test('each patched document counts once, so many patches of one large draft apply', async () => {
    await mutate([{create: big('drafts.big')}])
    const size = store.bodyBytes(['drafts.big'])
    // Counted per patch, 40 of the Studio's patches of a 1.6 MB draft were past the budget.
    const count = Math.floor((64 * 1024 * 1024) / size) + 1
    await mutate(
      Array.from({length: 10 * count}, (_, i) => ({patch: {id: 'drafts.big', set: {n: i}}})),
    )
    expect(doc('drafts.big')!.n).toBe(10 * count - 1)
  })

  test('the documents patched in one transaction are bounded, with how to split it', async () => {
    // 16 documents of a little under 4 MiB fit, the 17th does not.
    const note = 'x'.repeat(4 * 1024 * 1024 - 1_000)
    const count = 17
    const ids = Array.from({length: count}, (_, i) => `drafts.large${i}`)
    for (const id of ids) await mutate([{create: {_id: id, _type: 't', note}}])
    const patches = ids.map((id, i) => ({patch: {id, set: {n: i}}}))
    const err = await mutate(patches).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MutationError)
    expect((err as MutationError).items[0]).toMatchObject({
      error: {type: 'transactionTooLargeError', id: ids.at(-1)},
      index: count - 1,
    })
    expect((err as MutationError).description).toMatch(
      /patch fewer documents, or split the mutations into several transactions/,
    )
    expect(doc(ids[0])!.n).toBeUndefined()
    // One fewer fits; actions (the Studio's edits) count the same way.
    await mutate(patches.slice(0, count - 1))
    expect(doc(ids[0])!.n).toBe(0)
    const edits = ids.map((id) => ({
      actionType: 'sanity.action.document.edit',
      draftId: id,
      publishedId: id.slice('drafts.'.length),
      patch: {set: {m: 1}},
    }))
    const refused = await act(edits, {errorType: 'actionError'}).catch((e: unknown) => e)
    expect((refused as MutationError).items[0]).toMatchObject({
      error: {type: 'transactionTooLargeError'},
    })
    expect((refused as MutationError).type).toBe('actionError')
  })

  test("one patch's keyed paths each count the items they test, so many paths in one patch are bounded too", async () => {
    await mutate([{create: {...big('drafts.big', 2_000), note: 'x'.repeat(1_500_000)}}])
    // A `_key` filter tests each of the 2,000 items (24 each) and copies the array.
    const count = Math.ceil((64 * 1024 * 1024) / (2_000 * 25)) + 1
    // Each keyed path scans the array: one patch of 20,000 of them on a 100,000-item draft held a
    // write thread until its 60 s deadline, where as many patches were refused at once.
    const keyed = (n: number) => Array.from({length: n}, (_, i) => `items[_key=="k${i}"].t`)
    const err = await mutate([{patch: {id: 'drafts.big', unset: keyed(count)}}]).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(MutationError)
    expect((err as MutationError).items[0]).toMatchObject({
      error: {type: 'transactionTooLargeError', id: 'drafts.big'},
      index: 0,
    })
    expect((err as MutationError).description).toMatch(
      /"items\[_key=="k\d+"\]\.t" tests 2000 array items for their _key/,
    )
    expect((doc('drafts.big')!.items as {t?: string}[])[0].t).toBe('x'.repeat(20))
    // Half of them fit, and index paths count the objects they copy, not the array.
    const indexed = Array.from({length: 2_000}, (_, i) => `items[${i}].n`)
    await mutate([
      {patch: {id: 'drafts.big', unset: [...keyed(Math.floor(count / 2)), ...indexed]}},
    ])
    expect((doc('drafts.big')!.items as {t?: string}[])[0].t).toBeUndefined()
    // An action's patch (the Studio's edit) counts the same way.
    const refused = await act(
      [
        {
          actionType: 'sanity.action.document.edit',
          draftId: 'drafts.big',
          publishedId: 'big',
          patch: {set: Object.fromEntries(keyed(count).map((path) => [path, 'y']))},
        },
      ],
      {errorType: 'actionError'},
    ).catch((e: unknown) => e)
    expect((refused as MutationError).items[0]).toMatchObject({
      error: {type: 'transactionTooLargeError'},
    })
  })

  test('a document grown earlier in the request counts as grown, so its keyed paths are bounded too', async () => {
    // Grown by the request itself: a small document, then a large array and text set by a patch.
    const {items} = big('x', 2_000)
    const note = 'x'.repeat(1_500_000)
    // Each keyed path tests the 2,000 items the request gave the draft.
    const count = Math.ceil((64 * 1024 * 1024) / (2_000 * 25)) + 1
    const keyed = (id: string) => ({
      patch: {id, unset: Array.from({length: count}, (_, i) => `items[_key=="k${i}"].t`)},
    })
    const grow = (id: string) => ({patch: {id, set: {items, note}}})
    await mutate([{create: {_id: 'drafts.small', _type: 't'}}])
    for (const mutations of [
      // A stored small document, grown and then scanned by the next patch, or by the same one.
      [grow('drafts.small'), keyed('drafts.small')],
      [{patch: {...grow('drafts.small').patch, unset: keyed('drafts.small').patch.unset}}],
      // A document created small in the request.
      [{create: {_id: 'drafts.new', _type: 't'}}, grow('drafts.new'), keyed('drafts.new')],
    ]) {
      const err = await mutate(mutations).catch((e: unknown) => e)
      expect(err, JSON.stringify(mutations).slice(0, 200)).toBeInstanceOf(MutationError)
      expect((err as MutationError).items[0]).toMatchObject({
        error: {type: 'transactionTooLargeError'},
      })
    }
    expect(doc('drafts.small')).toMatchObject({_id: 'drafts.small'})
    expect(doc('drafts.small')!.items).toBeUndefined()
    expect(doc('drafts.new')).toBeFalsy()
    // Half the paths fit (the grown draft's items are what count, not more).
    await mutate([
      grow('drafts.small'),
      {
        patch: {
          ...keyed('drafts.small').patch,
          unset: keyed('drafts.small').patch.unset.slice(0, Math.floor(count / 2)),
        },
      },
    ])
    expect((doc('drafts.small')!.items as {t?: string}[])[0].t).toBeUndefined()
    // A field set again and again counts its last value once, not each time.
    const grown = store.bodyBytes(['drafts.small'])
    const title = 'y'.repeat(100_000)
    const times = Math.floor((64 * 1024 * 1024) / (grown + title.length + 100))
    await mutate(
      Array.from({length: times}, (_, i) => ({
        patch: {id: 'drafts.small', set: {title: `${i}${title}`}},
      })),
    )
    expect(doc('drafts.small')!.title).toBe(`${times - 1}${title}`)
  })
})

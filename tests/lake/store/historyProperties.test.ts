/**
 * Property-based differential test for history (`/data/history/{dataset}/documents/{ids}`): a
 * document at a revision or at a time is rebuilt from the log's snapshots and mendoza effects
 * (lake/store/log.ts: a snapshot every 64th change, the first 32 after a creation), backwards with
 * reverts or forwards with applies. Random histories of creates, replaces, patches (strings edited
 * in the middle, Bengali, emoji and lone surrogates beside ASCII; keyed arrays inserted into,
 * reordered and cut; numbers incremented) and deletes, long enough to pass several snapshots, some
 * of documents large enough to be rebuilt on a read thread, must give back each document as a raw
 * query read it after each transaction: at its revision, at its time and as its last revision.
 */
import fc from 'fast-check'
import {applyPatch} from 'mendoza'
import {expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const RUNS = Number(process.env.HISTORY_RUNS ?? 4)
const SEED = Number(process.env.HISTORY_SEED ?? 20261205)

const lake = useTestLake({
  inProcess: true,
  // A dataset a run (and a shrink), past the lake's 100 in a hunt.
  env: {LAKE_MAX_DATASETS: '100000'},
})

type Doc = {_id: string; _rev: string; _updatedAt: string; [key: string]: unknown}

const IDS = ['a', 'drafts.a', 'b']
const BASE =
  'ঢাকা, ৫ ডিসেম্বর — শহরের 😀 নতুন সেতু খুলেছে; the bridge opened today. কর্মকর্তারা বলেছেন 👩🏽‍💻 শেষ'
const INSERTS = ['', 'x', 'নতুন', '😀', '\ud800', 'a\u0000b', 'é', '\u09CD\u200C']

/** BASE edited in the middle: a prefix, an insert and a suffix (mendoza copies both around it). */
const textArb = fc
  .tuple(fc.nat(BASE.length), fc.nat(BASE.length), fc.constantFrom(...INSERTS), fc.nat(3))
  .map(([i, j, insert, repeat]) => {
    const [from, to] = i <= j ? [i, j] : [j, i]
    return (BASE.slice(0, from) + insert + BASE.slice(to)).repeat(repeat + 1)
  })
const blockArb = fc
  .tuple(fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5'), textArb)
  .map(([_key, text]) => ({_key, _type: 'block', text}))
const bodyArb = fc.array(blockArb, {maxLength: 5})
const docArb = fc.record(
  {
    _type: fc.constantFrom('article', 'headline'),
    title: textArb,
    n: fc.integer({min: -5, max: 5}),
    body: bodyArb,
    tags: fc.array(fc.constantFrom('a', 'b', 'খবর'), {maxLength: 4}),
    // Past 64 KiB a document's revisions are rebuilt on a read thread.
    pad: fc.constantFrom(70_000),
  },
  {requiredKeys: ['_type']},
)

const idArb = fc.constantFrom(...IDS)
const patchArb = fc.oneof(
  fc.tuple(idArb, textArb).map(([id, title]) => ({patch: {id, set: {title}}})),
  fc.tuple(idArb, fc.integer({min: -3, max: 3})).map(([id, n]) => ({patch: {id, inc: {n}}})),
  fc.tuple(idArb, bodyArb).map(([id, body]) => ({patch: {id, set: {body}}})),
  fc
    .tuple(idArb, blockArb, fc.constantFrom('before', 'after'), fc.integer({min: -1, max: 1}))
    .map(([id, block, where, at]) => ({
      patch: {id, setIfMissing: {body: []}, insert: {[where]: `body[${at}]`, items: [block]}},
    })),
  fc
    .tuple(idArb, fc.constantFrom('title', 'n', 'body', 'tags', 'pad', 'body[0]', 'body[-1].text'))
    .map(([id, path]) => ({patch: {id, unset: [path]}})),
  fc.tuple(idArb, textArb).map(([id, text]) => ({patch: {id, set: {'body[0].text': text}}})),
)
/**
 * A patch follows a createIfNotExists of its document, so that it is seldom refused as missing;
 * its `lede` keeps a patch's revert shorter than the whole document (a walk back stops at a
 * revert that is the whole state).
 */
const ensuredPatch = (patch: {patch: {id: string}}) => [
  {createIfNotExists: {_id: patch.patch.id, _type: 'article', lede: BASE.repeat(8)}},
  patch,
]
const ensuredPatchArb = patchArb.map(ensuredPatch)
/** Patches of one document, for the long histories: it passes its snapshots. */
const patchOfAArb = patchArb.map((patch) => ({
  mutations: ensuredPatch({patch: {...patch.patch, id: 'a'}}),
}))
const mutationArb = fc.oneof(
  {weight: 14, arbitrary: ensuredPatchArb},
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('createOrReplace', 'createIfNotExists'), idArb, docArb)
      .map(([kind, _id, doc]) => [{[kind]: {_id, ...doc}}]),
  },
  {weight: 1, arbitrary: idArb.map((id) => [{delete: {id}}])},
)
const A = 'sanity.action.document.'
/** The Studio's actions on `a` and its draft (`/data/actions`), an edit with a patch of the draft. */
const actionArb = fc.oneof(
  fc.constantFrom(
    {actionType: `${A}publish`, draftId: 'drafts.a', publishedId: 'a'},
    {actionType: `${A}unpublish`, draftId: 'drafts.a', publishedId: 'a'},
    {actionType: `${A}discard`, draftId: 'drafts.a'},
  ),
  patchArb.map(({patch: {id, ...operations}}) => {
    void id
    return {actionType: `${A}edit`, draftId: 'drafts.a', publishedId: 'a', patch: operations}
  }),
)
/** A transaction: mutations (`/data/mutate`), or now and then actions (`/data/actions`). */
type Transaction = {mutations: object[]} | {actions: object[]}
const transactionArb: fc.Arbitrary<Transaction> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(mutationArb, {minLength: 1, maxLength: 3})
      .map((parts) => ({mutations: parts.flat() as object[]})),
  },
  {
    weight: 1,
    arbitrary: fc.array(actionArb, {minLength: 1, maxLength: 2}).map((actions) => ({actions})),
  },
)
/**
 * Short histories, and long ones that pass a document's snapshots (the 32nd change after its
 * creation, then every 64th): mostly patches, whose reverts a rebuild walks up to a snapshot (a
 * replace's or a delete's revert is the whole state, where a walk back stops).
 */
const historyArb = fc.oneof(
  fc.array(transactionArb, {minLength: 1, maxLength: 12}),
  fc.array(fc.oneof({weight: 12, arbitrary: patchOfAArb}, {weight: 1, arbitrary: transactionArb}), {
    minLength: 40,
    maxLength: 150,
  }),
)

const auth = () => ({authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'})
const withPads = (value: unknown) =>
  JSON.stringify(value, (key, v) => (key === 'pad' && typeof v === 'number' ? 'k'.repeat(v) : v))

async function call(path: string, init?: RequestInit) {
  const response = await lake().fetch(`${lake().url}/v2025-02-19${path}`, {
    ...init,
    headers: auth(),
  })
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    // NDJSON (the transaction log): read from `text`.
  }
  return {status: response.status, body, text}
}

async function stored(dataset: string): Promise<Map<string, Doc>> {
  const search = new URLSearchParams({query: '*', perspective: 'raw'})
  const {status, body} = await call(`/data/query/${dataset}?${search}`)
  expect(status).toBe(200)
  return new Map((body.result as Doc[]).map((doc) => [doc._id, doc]))
}

async function historyAt(dataset: string, point: string): Promise<Map<string, Doc>> {
  const {status, body} = await call(`/data/history/${dataset}/documents/${IDS.join(',')}?${point}`)
  if (status !== 200) return new Map([['error', body as Doc]])
  return new Map((body.documents as Doc[]).map((doc) => [doc._id, doc]))
}

let runs = 0
/** What was compared, printed when HISTORY_RUNS is set. */
const tally = {histories: 0, transactions: 0, revisions: 0, times: 0, documents: 0}

test('a document at a revision, at a time and at its last revision is as it was then', async () => {
  await fc.assert(
    fc.asyncProperty(historyArb, fc.nat(), async (writes, pick) => {
      const dataset = `history${++runs}`
      const states: {
        id: string
        timestamp: string
        documents: Map<string, Doc>
        transaction: Transaction
      }[] = []
      for (const transaction of writes) {
        const route = 'actions' in transaction ? 'actions' : 'mutate'
        const {status, body} = await call(`/data/${route}/${dataset}`, {
          method: 'POST',
          body: withPads(transaction),
        })
        expect([200, 400, 409], JSON.stringify(body).slice(0, 300)).toContain(status)
        if (status !== 200) continue
        const documents = await stored(dataset)
        const previous = states.at(-1)?.documents ?? new Map<string, Doc>()
        // A transaction that left every document as it was (a delete of none, a create and a
        // delete of one id) is no revision: the log keeps none.
        if (![...previous.keys()].some((id) => !documents.has(id))) {
          if (![...documents.values()].some((doc) => doc._rev === body.transactionId)) continue
        }
        // The transaction's time: the `_updatedAt` it gave what it wrote (none after a delete).
        const written = [...documents.values()].find((doc) => doc._rev === body.transactionId)
        const timestamp = written?._updatedAt ?? ''
        states.push({id: body.transactionId as string, timestamp, documents, transaction})
      }
      tally.histories++
      tally.transactions += states.length
      // Every revision of a short history; of a long one, 25 spread over it from `pick`.
      const checked =
        states.length <= 25
          ? states.keys()
          : Array.from({length: 25}, (_, i) => (pick + i * 7) % states.length)
      for (const k of checked) {
        const state = states[k]!
        expect(
          Object.fromEntries(await historyAt(dataset, `revision=${state.id}`)),
          `at revision ${k + 1} of ${states.length}: ${JSON.stringify(state.transaction)}`,
        ).toEqual(Object.fromEntries(state.documents))
        tally.revisions++
        tally.documents += state.documents.size
        // At its time, when the next transaction is later and it wrote a document.
        const next = states[k + 1]
        if (state.timestamp && (!next || next.timestamp > state.timestamp)) {
          expect(
            Object.fromEntries(await historyAt(dataset, `time=${state.timestamp}`)),
            `at the time of revision ${k + 1} of ${states.length}`,
          ).toEqual(Object.fromEntries(state.documents))
          tally.times++
        }
      }
      // The log's effects, applied in order from nothing, give each state again (without `_rev`).
      const {status, text} = await call(
        `/data/history/${dataset}/transactions/${IDS.join(',')}?effectFormat=mendoza&excludeMutations=true`,
      )
      expect(status).toBe(200)
      const logged = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as {id: string; effects: Record<string, {apply: unknown}>})
      expect(logged.map((tx) => tx.id)).toEqual(states.map((state) => state.id))
      const replayed = new Map<string, unknown>()
      for (const [k, tx] of logged.entries()) {
        for (const [id, effects] of Object.entries(tx.effects)) {
          replayed.set(id, applyPatch(replayed.get(id) ?? null, effects.apply as never))
        }
        for (const id of IDS) {
          const doc = states[k]!.documents.get(id)
          const expected = doc
            ? Object.fromEntries(Object.entries(doc).filter(([key]) => key !== '_rev'))
            : null
          expect(
            replayed.get(id) ?? null,
            `${id} after transaction ${k + 1} by the log's effects`,
          ).toEqual(expected)
        }
      }
      // The last revision of each document, deleted ones too: its last state that existed.
      const last = await historyAt(dataset, 'lastRevision=true')
      for (const id of IDS) {
        const lastState = states.findLast((state) => state.documents.has(id))
        expect(last.get(id), `${id}'s last revision`).toEqual(lastState?.documents.get(id))
      }
    }),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
  if (process.env.HISTORY_RUNS) console.log(`seed ${SEED}, ${RUNS} histories:`, tally)
}, 600_000)

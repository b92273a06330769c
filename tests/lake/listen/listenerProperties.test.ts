/**
 * Property-based differential test for listeners (`/listen?query=…`): which mutations reach which
 * listener. Random write histories (creates, replaces, patches, deletes in the published, draft and
 * release layers; the Studio's publish, unpublish, discard, delete and edit actions; documents
 * large enough for the filter to read their outline, or to parse them on a worker) are heard by
 * 2-4 listeners at once: filters of bounded cost (on the event loop) and not (on a query worker),
 * some with the same filter and other parameters (a filter's matcher is shared by listeners that
 * ask alike), signed in and anonymous of a public dataset, with and without release versions. Each
 * listener's events must be the ones groq-js gives evaluating the same filter over each touched
 * document before and after the transaction (read back with a raw query after each write), with
 * the transition, revisions, the documents and mendoza effects that turn the one into the other.
 */
import fc from 'fast-check'
import {evaluate, parse} from 'groq-js'
import {applyPatch} from 'mendoza'
import {expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {openSse, withoutRev, type SseReader} from './listeners.ts'

const RUNS = Number(process.env.LISTENER_RUNS ?? 10)
const SEED = Number(process.env.LISTENER_SEED ?? 20261205)

const lake = useTestLake({
  tls: false,
  // A dataset a run (and a shrink), past the lake's 100 in a hunt.
  env: {LAKE_MAX_DATASETS: '100000'},
})

type Doc = {_id: string; _rev?: string; [key: string]: unknown}

const IDS = ['a', 'b', 'c']
const LAYERS = ['', '', 'drafts.', 'versions.r1.']
const idArb = fc.tuple(fc.constantFrom(...LAYERS), fc.constantFrom(...IDS)).map(([l, id]) => l + id)

/** Field values of mixed types; `undefined` leaves the field out. */
const fieldArbs: Record<string, fc.Arbitrary<unknown>> = {
  n: fc.constantFrom(undefined, 1, 2, '2', null, 2.5, -1, true),
  title: fc.constantFrom(undefined, 'ঢাকা', 'Dhaka', 'dhaka', '', 'ঢাকা খবর'),
  tags: fc.constantFrom(undefined, [], ['a'], ['a', 'b'], 'a', [1, 'a']),
  ref: fc.constantFrom(undefined, {_ref: 'a'}, {_ref: 'drafts.b', _weak: true}, {_ref: 'zz'}),
  o: fc.constantFrom(undefined, {x: 1}, {x: '1'}, {y: 2}, null),
  // A transaction holding 1.1 MB is built on a write thread: a filter that reads no large field
  // then reads a large document's outline, and one that does parses it on a worker (past 1 MB).
  pad: fc.constantFrom(undefined, undefined, undefined, 70_000, 1_100_000),
}
const bodyArb = fc
  .record({_type: fc.constantFrom('article', 'headline'), ...fieldArbs})
  .map((body) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)))

const fieldArb = fc.constantFrom(...Object.keys(fieldArbs))
/** A patch mostly follows a createIfNotExists of its document: a patch of a missing one is refused. */
const ensured = (id: string, patch: object) => [
  {createIfNotExists: {_id: id, _type: 'article', title: 'ঢাকা'}},
  patch,
]
const patchArb = fc.oneof(
  fc
    .tuple(idArb, fieldArb)
    .chain(([id, field]) =>
      fieldArbs[field]!.map((value) =>
        value === undefined ? {patch: {id, unset: [field]}} : {patch: {id, set: {[field]: value}}},
      ),
    ),
  fc
    .tuple(idArb, fc.constantFrom('x', 'y'))
    .map(([id, x]) => ({patch: {id, inc: {n: 1}, set: {x}}})),
)
const mutationArb = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('create', 'createOrReplace', 'createIfNotExists'), idArb, bodyArb)
      .map(([kind, _id, body]) => [{[kind]: {_id, ...body}}]),
  },
  {weight: 1, arbitrary: idArb.map((id) => [{delete: {id}}])},
  {weight: 1, arbitrary: patchArb.map((patch) => [patch])},
  {weight: 4, arbitrary: patchArb.map((patch) => ensured(patch.patch.id, patch))},
)
const A = 'sanity.action.document.'
/** The Studio's actions on one document: each writes its draft, its published document or both. */
const actionArb = fc.tuple(fc.constantFrom(...IDS), fieldArb).chain(([id, field]) =>
  fieldArbs[field]!.map((value) => [
    {actionType: `${A}publish`, draftId: `drafts.${id}`, publishedId: id},
    {actionType: `${A}unpublish`, draftId: `drafts.${id}`, publishedId: id},
    {actionType: `${A}discard`, draftId: `drafts.${id}`},
    {actionType: `${A}delete`, publishedId: id, includeDrafts: [`drafts.${id}`]},
    {
      actionType: `${A}edit`,
      draftId: `drafts.${id}`,
      publishedId: id,
      patch: value === undefined ? {unset: [field]} : {set: {[field]: value}},
    },
  ]),
)
/** A transaction: 1-3 groups of mutations, or 1-2 actions (`/data/actions`). */
const transactionArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(mutationArb, {minLength: 1, maxLength: 3})
      .map((parts) => ({mutations: parts.flat() as object[]})),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(actionArb, fc.nat(4)), {minLength: 1, maxLength: 2})
      .map((picks) => ({actions: picks.map(([all, k]) => all[k]!)})),
  },
)

/**
 * Parameter values as the URL carries them (JSON text), of every type. (A number past JSON's range
 * is refused before the stream opens, as on the query endpoint.)
 */
const PARAM_TEXTS = ['1', '"2"', 'null', 'true', '[1,"a"]', '{"x":1}', '2.5', '-0', '[]', '""']

/** Filter atoms; `$p` and `$q` are the listener's parameters. */
const ATOMS = [
  '_type == "article"',
  'n > 1',
  'n == $p',
  'n in $q',
  '!(n > $p)',
  'o == $p',
  'o.x == $p',
  'defined(title)',
  '!defined(n)',
  'title == "ঢাকা"',
  '_id in path("drafts.**")',
  '_id in path("versions.**")',
  'references("a")',
  'references($q)',
  '"a" in tags',
  'tags == $q',
  'defined(pad)',
  'ref._ref == "a"',
  // Not of bounded cost: on a query worker.
  'count(tags) > 1',
  'lower(title) == "dhaka"',
  'coalesce(n, 0) >= 1',
  'select(n > 1 => true, defined(o))',
  'title match "ঢাকা"',
  'string::startsWith(title, "ঢা")',
  'length(pad) > 100',
  'sanity::versionOf("a")',
  // No join (`count(*)`): refused with a channelError before welcome (wire.test.ts).
]
const filterArb: fc.Arbitrary<string> = fc.letrec<{f: string}>((tie) => ({
  f: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    {weight: 3, arbitrary: fc.constantFrom(...ATOMS)},
    {
      weight: 2,
      arbitrary: fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a}) || (${b})`),
    },
    {weight: 1, arbitrary: fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a}) && (${b})`)},
    {weight: 1, arbitrary: tie('f').map((a) => `!(${a})`)},
  ),
})).f

type ListenerSpec = {
  filter: string
  p: string
  q: string
  anonymous: boolean
  includeAllVersions: boolean
  includeResult: boolean
  includePreviousRevision: boolean
  effects: boolean
}
const listenerArb = (filters: string[]) =>
  fc.record({
    filter: fc.constantFrom(...filters),
    p: fc.constantFrom(...PARAM_TEXTS),
    q: fc.constantFrom(...PARAM_TEXTS),
    anonymous: fc.boolean(),
    includeAllVersions: fc.boolean(),
    includeResult: fc.boolean(),
    includePreviousRevision: fc.boolean(),
    effects: fc.boolean(),
  })
/** 2-4 listeners over one or two filters, so several ask alike with other parameters. */
const listenersArb = fc
  .array(filterArb, {minLength: 1, maxLength: 2})
  .chain((filters) => fc.array(listenerArb(filters), {minLength: 2, maxLength: 4}))

/** Every listener also hears the end marker, after which all its events have arrived. */
const queryOf = (spec: ListenerSpec) => `*[_type == "end" || (${spec.filter})]`

type Expected = {
  documentId: string
  transactionId: string
  transition: string
  previousRev?: string
  result?: Doc
  previous?: Doc
}

async function matches(spec: ListenerSpec, doc: Doc | undefined): Promise<boolean> {
  if (!doc) return false
  try {
    const params = {p: JSON.parse(spec.p) as unknown, q: JSON.parse(spec.q) as unknown}
    const tree = parse(queryOf(spec), {params})
    const value = await (await evaluate(tree, {dataset: [doc], params})).get()
    return Array.isArray(value) && value.length > 0
  } catch {
    return false
  }
}

function listenUrl(dataset: string, spec: ListenerSpec): string {
  const search = new URLSearchParams({query: queryOf(spec)})
  search.set('$p', spec.p)
  search.set('$q', spec.q)
  search.set('includeResult', String(spec.includeResult))
  search.set('includePreviousRevision', String(spec.includePreviousRevision))
  search.set('includeAllVersions', String(spec.includeAllVersions))
  search.set('includeMutations', 'false')
  if (spec.effects) search.set('effectFormat', 'mendoza')
  return `${lake().url}/v2025-02-19/data/listen/${dataset}?${search}`
}

const auth = () => ({authorization: `Bearer ${lake().token}`})

/** A `pad` is a number of characters to write (kept short in a counterexample). */
const withPads = (value: unknown) =>
  JSON.stringify(value, (key, v) => (key === 'pad' && typeof v === 'number' ? 'k'.repeat(v) : v))

async function write(dataset: string, transaction: {mutations: object[]} | {actions: object[]}) {
  const route = 'actions' in transaction ? 'actions' : 'mutate'
  const response = await fetch(`${lake().url}/v2025-02-19/data/${route}/${dataset}`, {
    method: 'POST',
    headers: {...auth(), 'content-type': 'application/json'},
    body: withPads(transaction),
  })
  const body = (await response.json()) as {transactionId?: string}
  if (process.env.LISTENER_REFUSALS && response.status !== 200)
    console.log(response.status, JSON.stringify(body).slice(0, 300))
  return {status: response.status, transactionId: body.transactionId}
}

async function rawDocuments(dataset: string): Promise<Map<string, Doc>> {
  const search = new URLSearchParams({query: '*', perspective: 'raw'})
  const response = await fetch(`${lake().url}/v2025-02-19/data/query/${dataset}?${search}`, {
    headers: auth(),
  })
  expect(response.status).toBe(200)
  const {result} = (await response.json()) as {result: Doc[]}
  return new Map(result.map((doc) => [doc._id, doc]))
}

const isVersion = (id: string) => id.startsWith('versions.')

let runs = 0
/** What was compared, printed when LISTENER_RUNS is set. */
const tally = {listeners: 0, transactions: 0, events: 0}

test('listeners hear what groq-js matches before and after each transaction', async () => {
  await fc.assert(
    fc.asyncProperty(
      listenersArb,
      fc.array(transactionArb, {minLength: 3, maxLength: 10}),
      async (specs, writes) => {
        const dataset = `listen${++runs}`
        lake().server.lake.context.visibility.set(dataset, 'public')
        const readers: SseReader[] = []
        try {
          for (const spec of specs) {
            const sse = await openSse(listenUrl(dataset, spec), spec.anonymous ? {} : auth())
            readers.push(sse)
            if (sse.status !== 200) {
              // Refused before the stream: asked again to show why.
              const refused = await fetch(listenUrl(dataset, spec), {
                headers: spec.anonymous ? {} : auth(),
              })
              expect(await refused.text(), JSON.stringify(spec)).toBe('')
            }
            await sse.until((m) =>
              m.some((e) => e.event === 'welcome' || e.event === 'channelError'),
            )
            expect(sse.messages.find((e) => e.event === 'channelError')).toBeUndefined()
          }
          const expected: Expected[][] = specs.map(() => [])
          let before = new Map<string, Doc>()
          const end = {mutations: [{create: {_id: 'end', _type: 'end'}}]}
          for (const transaction of [...writes, end]) {
            const {status, transactionId} = await write(dataset, transaction)
            expect([200, 400, 409]).toContain(status)
            const after = await rawDocuments(dataset)
            if (status !== 200) {
              expect(after).toEqual(before)
              continue
            }
            const touched = [...new Set([...before.keys(), ...after.keys()])]
              // Written by this transaction (its `_rev`), or deleted by it.
              .filter((id) => (after.get(id)?._rev ?? transactionId) === transactionId)
              .sort()
            for (const [i, spec] of specs.entries()) {
              for (const id of touched) {
                if (isVersion(id) && !spec.includeAllVersions) continue
                if (spec.anonymous && id.includes('.')) continue
                const was = await matches(spec, before.get(id))
                const is = await matches(spec, after.get(id))
                if (!was && !is) continue
                const event: Expected = {
                  documentId: id,
                  transactionId: transactionId!,
                  transition: !was ? 'appear' : !is ? 'disappear' : 'update',
                }
                if (before.has(id)) event.previousRev = before.get(id)!._rev
                if (spec.includeResult && after.has(id)) event.result = after.get(id)
                if (spec.includePreviousRevision && before.has(id)) event.previous = before.get(id)
                expected[i]!.push(event)
              }
            }
            before = after
            tally.transactions++
          }
          for (const [i, sse] of readers.entries()) {
            const spec = specs[i]!
            const what = JSON.stringify(spec)
            await sse.until(
              (m) =>
                m.some((e) => e.event === 'mutation' && e.data!.includes('"documentId":"end"')) ||
                m.some((e) => e.event === 'channelError'),
              20_000,
            )
            expect(
              sse.messages.find((e) => e.event === 'channelError'),
              what,
            ).toBeUndefined()
            const events = sse.messages
              .filter((e) => e.event === 'mutation')
              .map((e) => JSON.parse(e.data!) as Record<string, unknown>)
            // Numbered per listener within each transaction, in the order sent.
            const perTransaction = new Map<unknown, Record<string, unknown>[]>()
            for (const event of events) {
              const list = perTransaction.get(event.transactionId) ?? []
              perTransaction.set(event.transactionId, [...list, event])
            }
            for (const list of perTransaction.values()) {
              expect(list.map((e) => e.transactionCurrentEvent)).toEqual(list.map((_, k) => k + 1))
              expect(list.every((e) => e.transactionTotalEvents === list.length)).toBe(true)
            }
            if (spec.effects) for (const event of events) expect(event.effects, what).toBeDefined()
            const got = events
              .map((event): Expected => {
                const picked: Expected = {
                  documentId: event.documentId as string,
                  transactionId: event.transactionId as string,
                  transition: event.transition as string,
                }
                if (event.previousRev !== undefined)
                  picked.previousRev = event.previousRev as string
                if (event.result !== undefined) picked.result = event.result as Doc
                if (event.previous !== undefined) picked.previous = event.previous as Doc
                return picked
              })
              .sort(byEvent)
            expect(got, what).toEqual([...expected[i]!].sort(byEvent))
            tally.listeners++
            tally.events += got.length - 1
          }
          // The effects turn the document before into the one after (both without `_rev`).
          checkEffects(readers, specs)
        } finally {
          for (const sse of readers) sse.close()
        }
      },
    ),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
  if (process.env.LISTENER_RUNS) console.log(`seed ${SEED}, ${RUNS} histories:`, tally)
}, 600_000)

function byEvent(a: Expected, b: Expected): number {
  const x = `${a.transactionId}#${a.documentId}`
  const y = `${b.transactionId}#${b.documentId}`
  return x < y ? -1 : x > y ? 1 : 0
}

/** For listeners that asked for both the documents and mendoza effects: apply turns one into the other. */
function checkEffects(readers: SseReader[], specs: ListenerSpec[]) {
  for (const [i, sse] of readers.entries()) {
    const spec = specs[i]!
    if (!spec.effects || !spec.includeResult || !spec.includePreviousRevision) continue
    for (const message of sse.messages.filter((e) => e.event === 'mutation')) {
      const event = JSON.parse(message.data!) as {
        documentId: string
        effects: {apply: unknown[]; revert: unknown[]}
        result?: Doc
        previous?: Doc
      }
      const previous = withoutRev(event.previous) ?? null
      const result = withoutRev(event.result) ?? null
      expect(applyPatch(previous, event.effects.apply as never), event.documentId).toEqual(result)
      expect(applyPatch(result, event.effects.revert as never), event.documentId).toEqual(previous)
    }
  }
}

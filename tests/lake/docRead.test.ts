// data/doc through the dataset service (lake/dataset.ts): permission decides before anything is
// read, a document's versions are found without reading other documents, and an answer larger
// than one request may carry is refused before any body is read.
import {expect, test} from 'vitest'
import {createDatasetService} from '../../lake/dataset.ts'
import {ANONYMOUS, type Principal} from '../../lake/core/grants.ts'
import type {Store} from '../../lake/core/store.ts'
import type {SanityDocument} from '../../lake/core/types.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import type {QueryPool} from '../../lake/query/pool.ts'
import {packTexts} from '../../lake/query/wire.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

const unused = (): never => {
  throw new Error('not used by data/doc in these tests')
}

const VIEWER: Principal = {id: 'viewer-1', kind: 'token', role: 'viewer'}

/** Reads of documents' bodies, by store method. */
const BODY_READS = ['getDocuments', 'scan', 'documentTexts', 'extract', 'select'] as const

/** A store in memory holding `docs`, noting every call that reads bodies. */
async function storeWith(docs: SanityDocument[]) {
  const store = createSqliteStore(':memory:', 'test')
  await store.transact((writer) =>
    writer.commit({
      id: 't1',
      dataset: 'test',
      timestamp: '2026-01-01T00:00:00.000Z',
      identity: 'editor',
      changes: docs.map((doc) => ({
        id: doc._id,
        before: null,
        after: {...doc, _rev: 't1'},
        mutations: [],
        effects: {apply: [0, doc], revert: [0, null]},
      })),
    }),
  )
  const reads: string[] = []
  const noting = Object.create(store) as Store
  for (const method of BODY_READS) {
    const original = store[method] as (...args: unknown[]) => unknown
    Object.assign(noting, {
      [method]: (...args: unknown[]) => {
        reads.push(method)
        return original.apply(store, args)
      },
    })
  }
  return {store: noting, reads}
}

function service(
  store: Store,
  docAnswerBytes?: number,
  documents: QueryPool['documents'] = unused,
) {
  return createDatasetService({
    dataDir: '',
    store,
    queries: {
      run: unused,
      build: unused,
      documents,
      filter: unused,
      close: unused,
    } as unknown as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date('2026-01-02T00:00:00Z'),
    config: {projectId: 'test', docAnswerBytes},
    errorBody: (err) => err,
  })
}

const doc = (id: string, title = id): SanityDocument =>
  ({_id: id, _type: 'article', title}) as SanityDocument

/** A document group and a neighbour whose id ends like it. */
const GROUP = [
  doc('a'),
  doc('drafts.a'),
  doc('versions.r1.a'),
  doc('versions.r2.a'),
  doc('versions.r1.ba'),
  doc('versions.r1.a2'),
  doc('ba'),
]

const ids = (result: {documents: Uint8Array[]}) =>
  result.documents
    .map((text) => (JSON.parse(Buffer.from(text).toString('utf8')) as SanityDocument)._id)
    .sort()

test('an anonymous caller of a private dataset is answered from the ids alone, nothing read', async () => {
  const {store, reads} = await storeWith(GROUP)
  const result = await service(store).documents(ANONYMOUS, ['a', 'nothing-here'], {
    includeAllVersions: true,
  })
  expect(result.documents).toEqual([])
  expect(result.omitted).toEqual([
    {id: 'a', reason: 'permission'},
    {id: 'nothing-here', reason: 'permission'},
  ])
  // Before: every version in the dataset was read and parsed to find a's (3.4 s in the audit).
  expect(reads).toEqual([])
})

test("includeAllVersions answers the group's readable documents, reading only theirs", async () => {
  const {store, reads} = await storeWith(GROUP)
  const result = await service(store).documents(VIEWER, ['a', 'missing'], {
    includeAllVersions: true,
  })
  expect(ids(result)).toEqual(['a', 'drafts.a', 'versions.r1.a', 'versions.r2.a'])
  expect(result.omitted).toEqual([{id: 'missing', reason: 'existence'}])
  // One read of the group's own bodies (before: a scan of every version, then the group's).
  expect(reads).toEqual(['documentTexts'])
})

test('excludeContent reads no body', async () => {
  const {store, reads} = await storeWith(GROUP)
  const result = await service(store).documents(VIEWER, ['a', 'drafts.b'], {excludeContent: true})
  expect(result).toEqual({documents: [], omitted: [{id: 'drafts.b', reason: 'existence'}]})
  expect(reads).toEqual([])
})

test('an answer larger than a request may carry is a 400 saying so, before any body is read', async () => {
  const {store, reads} = await storeWith(
    Array.from({length: 4}, (_, i) => doc(`big-${i}`, 'x'.repeat(400))),
  )
  const asked = service(store, 1000).documents(VIEWER, ['big-0', 'big-1', 'big-2', 'big-3'])
  await expect(asked).rejects.toMatchObject({
    type: 'queryResultTooLargeError',
    message: expect.stringMatching(
      /^The 4 documents asked for are 0\.00\d MiB as stored, more than the 0\.001 MiB one data\/doc answer carries: ask for fewer ids per request$/,
    ),
  })
  expect(reads).toEqual([])
  // Within the bound the same request answers.
  expect(ids(await service(store, 4000).documents(VIEWER, ['big-0', 'big-1']))).toEqual([
    'big-0',
    'big-1',
  ])
})

test('more ids than one URL list may name are a 400 saying how many and what to do', async () => {
  const {store, reads} = await storeWith(GROUP)
  const many = Array.from({length: 1001}, (_, i) => `id-${i}`)
  await expect(service(store).documents(VIEWER, many)).rejects.toThrow(
    '1001 document ids given; at most 1000 per request: split the request',
  )
  expect(reads).toEqual([])
})

test("a read on a read thread takes its caller's turn there: the given one, else the principal's", async () => {
  // More ids than one statement on the event loop reads (DOC_IN_PLACE_IDS): a read thread's.
  const many = Array.from({length: 501}, (_, i) => doc(`d${i}`))
  const {store} = await storeWith(many)
  const holders: (string | undefined)[] = []
  const onThread: QueryPool['documents'] = async (task, {holder} = {}) => {
    holders.push(holder)
    return packTexts(store.documentTexts(task.ids))
  }
  const dataset = service(store, undefined, onThread)
  const asked = many.map((d) => d._id)
  expect((await dataset.documents(VIEWER, asked)).documents).toHaveLength(501)
  await dataset.documents(VIEWER, asked, {holder: 'session-7'})
  // On main no caller reached the read threads, which served first come, first served.
  expect(holders).toEqual(['viewer-1', 'session-7'])
})

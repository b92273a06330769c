// History at a revision through the dataset service (lake/dataset.ts): a document is rebuilt on
// the event loop only when little of the log has to be read for it. Its present size does not
// tell: an article that was large once and is small now was rebuilt from its large past in place
// (a 13 MB state: the event loop held 2.7-4.3 s of a 3.0-5.2 s request, load 13-21), and any
// viewer may ask for it.
import {afterEach, expect, test} from 'vitest'
import {createDatasetService} from '../../lake/dataset.ts'
import type {Principal} from '../../lake/core/grants.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import {historyTexts} from '../../lake/query/history.ts'
import type {QueryPool, TaskOptions} from '../../lake/query/pool.ts'
import {packTexts, type HistoryTask} from '../../lake/query/wire.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

const stores: ReturnType<typeof createSqliteStore>[] = []
afterEach(() => stores.splice(0).forEach((store) => store.close()))

const unused = (): never => {
  throw new Error('not used by history')
}
const editor: Principal = {id: 'pEditor', kind: 'user', role: 'editor', name: 'সম্পাদক'}

/** The service over a store in memory, its read thread played in process (and counted). */
function service() {
  const store = createSqliteStore(':memory:', 'test')
  stores.push(store)
  const onThread: string[][] = []
  /** Whose turn each rebuild on the read thread took (the pool's history). */
  const holders: (string | undefined)[] = []
  const history = async (task: HistoryTask, {holder}: TaskOptions = {}) => {
    onThread.push(task.ids)
    holders.push(holder)
    return {
      ok: true as const,
      texts: packTexts(historyTexts(store, task.ids, task.at, task.maxBytes)),
    }
  }
  const dataset = createDatasetService({
    dataDir: '',
    store,
    queries: {run: unused, build: unused, history, close: unused} as unknown as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date(),
    config: {projectId: 'test'},
    errorBody: (err) => err,
  })
  const write = (doc: Record<string, unknown>) =>
    dataset.write(
      editor,
      {length: JSON.stringify(doc).length},
      {kind: 'mutations', mutations: [{createOrReplace: doc}]},
    )
  const at = async (ids: string[], revision: string, holder?: string) =>
    (await dataset.documentsAt(editor, ids, {revision}, {holder})).map(
      (text) => JSON.parse(Buffer.from(text).toString()) as Record<string, unknown>,
    )
  return {write, at, onThread, holders}
}

test('an article that was large once is rebuilt at that revision on a read thread, not in place', async () => {
  const {write, at, onThread} = service()
  // Written in place (under 1 MiB), as an editor's large draft is, then cut down to a line.
  const body = 'খবর '.repeat(80_000)
  const large = await write({_id: 'story', _type: 'article', title: 'দীর্ঘ', body})
  const small = await write({_id: 'story', _type: 'article', title: 'ছোট'})

  expect(await at(['story'], large.transaction.id)).toMatchObject([{title: 'দীর্ঘ', body}])
  // On main: rebuilt in place from its 800 kB past, because it is 60 bytes now.
  expect(onThread).toEqual([['story']])

  // Its present revision reads little of the log: in place, as the Studio's usual ask.
  expect(await at(['story'], small.transaction.id)).toMatchObject([{title: 'ছোট'}])
  expect(onThread).toEqual([['story']])
})

test('articles that were always small are rebuilt in place, a few revisions back too', async () => {
  const {write, at, onThread} = service()
  const revisions: string[] = []
  for (let round = 0; round < 20; round++) {
    const outcome = await write({
      _id: 'story',
      _type: 'article',
      title: `সংস্করণ ${round}`,
      body: 'খবর '.repeat(1000),
    })
    revisions.push(outcome.transaction.id)
  }
  expect(await at(['story'], revisions[3])).toMatchObject([{title: 'সংস্করণ 3'}])
  expect(onThread).toEqual([])
})

test("a rebuild on the read thread takes its caller's turn there", async () => {
  const {write, at, holders} = service()
  const body = 'খবর '.repeat(80_000)
  const large = await write({_id: 'story', _type: 'article', title: 'দীর্ঘ', body})
  await at(['story'], large.transaction.id, 'anonymous@192.0.2.7')
  // On main no caller reached the read threads, which served first come, first served.
  expect(holders).toEqual(['anonymous@192.0.2.7'])
})

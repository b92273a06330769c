// What the dataset service's reads see while a write group is open: hosted Sanity never shows a
// caller a document that was not committed. A group's rows are on the store's own connection as
// each is written, before its COMMIT, and a group can still be refused whole; here its COMMIT
// fails (a deferred foreign key a trigger breaks), so nothing of it is ever stored.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, beforeEach, expect, test} from 'vitest'
import {createDatasetService, type DatasetService} from '../../lake/dataset.ts'
import type {Principal} from '../../lake/core/grants.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import type {QueryPool} from '../../lake/query/pool.ts'
import {createSqliteStore, type SqliteStore} from '../../lake/store/sqliteStore.ts'

const editor: Principal = {id: 'pEditor', kind: 'user', role: 'editor', name: 'সম্পাদক'}

let dir: string
let file: string
let store: SqliteStore
let dataset: DatasetService

/** Every read here is answered in place, on the event loop: a worker would see commits only. */
const onWorker = (): never => {
  throw new Error('answered on a query worker, not in place')
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-reads-'))
  file = join(dir, 'test.sqlite')
  store = createSqliteStore(file, 'test')
  dataset = createDatasetService({
    dataDir: dir,
    store,
    queries: {
      run: onWorker,
      build: onWorker,
      filter: onWorker,
      documents: onWorker,
      close: onWorker,
    } as unknown as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date(),
    config: {projectId: 'test'},
    errorBody: (err) => err,
  })
})

afterEach(async () => {
  // A group a failed test left open ends first (its COMMIT fails, as the test means it to).
  await new Promise((resolve) => setImmediate(resolve))
  store.close()
  await rm(dir, {recursive: true, force: true})
})

const create = (doc: {_id: string; _type: string; title?: string}) =>
  dataset.write(editor, {length: 100}, {kind: 'mutations', mutations: [{create: doc}]})

const query = async (text: string): Promise<unknown> =>
  JSON.parse(
    Buffer.from(
      (await dataset.query({query: text, params: {}, apiVersion: '2025-02-19'}, editor)).json,
    ).toString(),
  )

/** The document texts data/doc answers with (read in place: small). */
const documents = async (ids: string[]) =>
  (await dataset.documents(editor, ids)).documents.map(
    (text) => (JSON.parse(new TextDecoder().decode(text)) as {_id: string})._id,
  )

/** A group's COMMIT fails once it holds a document called `poison`: the group is refused whole. */
function poisonCommits() {
  const other = new DatabaseSync(file)
  other.exec(`
    CREATE TABLE poison_target (id TEXT PRIMARY KEY);
    CREATE TABLE poison (target TEXT REFERENCES poison_target (id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER poisoned AFTER INSERT ON documents WHEN new.id = 'poison' BEGIN
      INSERT INTO poison (target) VALUES ('nothing');
    END;
  `)
  other.close()
}

test('reads in place while a write group is open see none of it, a group refused whole included, and see a write once it is answered', async () => {
  await create({_id: 'source', _type: 'source'})
  poisonCommits()
  // One group: both transactions are written into it before its COMMIT, which waits a turn of
  // the event loop for others to join.
  const settled: string[] = []
  const group = [
    create({_id: 'story', _type: 'article', title: 'never committed'}),
    create({_id: 'poison', _type: 'article'}),
  ].map((write) =>
    write.then(
      () => settled.push('stored'),
      () => settled.push('refused'),
    ),
  )
  // A turn queued before the group's: the group is written and not yet committed.
  await new Promise((resolve) => setImmediate(resolve))
  const during = await Promise.all([
    query('*[_id == "story"][0]'),
    query('count(*[_type == "article"])'),
    query('*[_type == "article"] | order(publishedAt desc)[0...10]._id'),
    documents(['story', 'poison', 'source']),
  ])
  // The reads were answered before the group ended.
  expect(settled).toEqual([])
  expect(during).toEqual([null, 0, [], ['source']])
  await Promise.all(group)
  // Its COMMIT failed: neither was stored, and neither was ever seen.
  expect(settled).toEqual(['refused', 'refused'])
  expect(await query('*[_id in ["story", "poison"]]')).toEqual([])
  expect(await documents(['story', 'poison'])).toEqual([])

  // Read your writes: a write is answered after its COMMIT, so the reads see it at once.
  await create({_id: 'story', _type: 'article', title: 'committed'})
  expect(await query('*[_id == "story"][0].title')).toBe('committed')
  expect(await query('count(*[_type == "article"])')).toBe(1)
  expect(await documents(['story'])).toEqual(['story'])
})

test('an export and history read while a write group is open see none of it', async () => {
  await create({_id: 'source', _type: 'source'})
  const written = create({_id: 'story', _type: 'article'})
  await new Promise((resolve) => setImmediate(resolve))
  const exported = [...dataset.export(editor)].flat().map((doc) => doc.id)
  const history = [
    ...dataset.transactionLog(editor, {ids: ['story']}, {mutations: true, effects: true}),
  ]
  expect(exported).toEqual(['source'])
  expect(history.flat()).toEqual([])
  const {transaction} = await written
  expect([...dataset.export(editor)].flat().map((doc) => doc.id)).toEqual(['source', 'story'])
  expect(
    [...dataset.transactionLog(editor, {ids: ['story']}, {mutations: false, effects: false})]
      .flat()
      .map((tx) => tx.id),
  ).toEqual([transaction.id])
})

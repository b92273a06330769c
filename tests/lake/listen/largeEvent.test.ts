/**
 * A large document's event goes to each listener in parts, its text as it is: joining it into one
 * buffer per listener copied 20 MB into fresh pages on the event loop (0.3-0.7 s at load 40, two
 * listeners of a 20 MB write). The bytes a client reads are the joined event's, byte for byte.
 */
import {expect, test} from 'vitest'
import {buildTransaction, commitBuilt} from '../../../lake/core/transaction.ts'
import type {Principal} from '../../../lake/core/grants.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {applyWrites, type Writes} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {eventsFor, type ListenOptions} from '../../../lake/listen/events.ts'
import {
  createListenerRegistry,
  LISTEN_DEFAULTS,
  openListener,
  sse,
} from '../../../lake/listen/stream.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'

const editor: Principal = {id: 'pEditor', kind: 'user', role: 'editor'}
const options: ListenOptions = {
  includeResult: true,
  includePreviousRevision: true,
  includeMutations: true,
  includeAllVersions: false,
  visibility: 'query',
  effectFormat: 'mendoza',
}

/** About 2.4 MB of JSON, a title and items that say which round wrote it. */
const article = (round: number) => ({
  _id: 'drafts.big',
  _type: 'article',
  title: `সংকলন ${round}`,
  items: Array.from({length: 40_000}, (_, i) => ({_key: `k${i}`, t: `${round}-${i}-শিরোনাম`})),
})

test("a large document's event is sent in parts, its text not copied, the bytes those of one event", async () => {
  const store = createSqliteStore(':memory:', 'test')
  const bus = createEventBus()
  const registry = createListenerRegistry()
  const stream = openListener({
    registry,
    bus,
    dataset: 'test',
    principal: editor,
    matcher: {match: (docs) => docs.map(() => true), reads: null},
    options,
    // Room for both events unread (each carries the document four times: result, previous,
    // mutations and effects).
    config: {
      ...LISTEN_DEFAULTS,
      // No keep-alive comment among the bytes compared: a starved run passed the default 15 s and
      // one came between the events (":\n\n", the whole stream's bytes then not the events').
      keepAliveMs: 2 ** 31 - 1,
      maxBufferBytes: 2 ** 28,
      maxBufferBytesPerHolder: 2 ** 28,
      maxBufferBytesTotal: 2 ** 28,
    },
    errorBody: (err) => ({message: err.message}),
  })
  const published: CommittedTransaction[] = []
  bus.subscribe('test', (tx) => published.push(tx))
  let clock = Date.parse('2026-03-01T00:00:00.000Z')
  const context = {store, bus, identity: 'pEditor', now: () => new Date((clock += 1000))}
  // Built as a write thread builds a large write: as text (core/changeText.ts).
  const write = async (id: string, writes: Writes) => {
    const built = structuredClone(
      await buildTransaction({...context, transactionId: id, serialise: true}, (ws) =>
        applyWrites(ws, writes),
      ),
    )
    await commitBuilt({...context, transactionId: id}, built)
  }
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let read = 0
  const reading = (async () => {
    for (;;) {
      const {value, done} = await reader.read()
      if (done) return
      chunks.push(value)
      read += value.byteLength
    }
  })()
  await write('one', {kind: 'mutations', mutations: [{createOrReplace: article(1)}]})
  await write('two', {kind: 'mutations', mutations: [{createOrReplace: article(2)}]})
  const expected = [
    sse('welcome', {listenerName: 'x'}),
    ...published.flatMap((tx) =>
      eventsFor(
        tx,
        () => true,
        options,
        () => true,
      ).map((event) => sse('mutation', event, event.eventId)),
    ),
  ]
  const expectedBytes = Buffer.byteLength(expected.join(''))
  await expect.poll(() => read, {timeout: 100_000}).toBeGreaterThanOrEqual(expectedBytes)
  await reader.cancel()
  await reading
  store.close()

  // The listener's name is its own; everything else is the events as sse() writes them.
  const text = Buffer.concat(chunks)
    .toString()
    .replace(/"listenerName":"[^"]+"/, '"listenerName":"x"')
  expect(text).toBe(expected.join(''))
  // The second write's result and previous documents are parts of their own: the very bytes the
  // change carries, not a copy of them.
  const change = published[1]!.changes[0]!
  for (const state of ['after', 'before'] as const) {
    const bytes = change.text![state]!.bytes
    expect(bytes.byteLength).toBeGreaterThan(2_000_000)
    expect(chunks.some((chunk) => chunk === bytes)).toBe(true)
  }
}, 120_000)

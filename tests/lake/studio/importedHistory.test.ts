/**
 * Issue 10, item 3: the history of an imported document, as the Studio 6.9.2 builds it with the
 * Events API (`beta.eventsAPI.documents`, on in sanity.config.ts). The Studio's own events code
 * (`getInitialFetchEvents`, which reads `…/events/documents/<id>` and the draft's edits from the
 * transaction log, and `getDocumentAtRevision`, which opens an entry) is driven here against a
 * real lake over HTTP, with the seed imported by the real import script.
 *
 * Sanity exports neither function from its entry points, so they are taken from the bundle chunk
 * that defines them, found by their source and named as that chunk exports them: a Sanity upgrade
 * that moves them fails here, loudly, rather than silently testing something else.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {SanityClient} from '@sanity/client'
import {expect, it} from 'vitest'
import {run as runImport} from '../../../scripts/import.ts'
import {captureIo} from '../../helpers/io.ts'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake()

interface Observable<T> {
  subscribe(observer: {next(value: T): void; error(err: unknown): void}): {unsubscribe(): void}
}
interface StudioEvent {
  id: string
  type: string
  documentId: string
  revisionId?: string
  versionRevisionId?: string
}
interface EventsState {
  events: StudioEvent[]
  loading: boolean
  error: unknown
}
interface StudioEventsCode {
  getInitialFetchEvents(options: {client: SanityClient; documentId: string}): {
    events$: Observable<EventsState>
  }
  getDocumentAtRevision(options: {
    client: SanityClient
    documentId: string
    revisionId: string
  }): Observable<{loading: boolean; document: Record<string, unknown> | null}>
}

/** The Studio's events functions, from the chunk of `sanity` that defines them. */
async function studioEventsCode(): Promise<StudioEventsCode> {
  const lib = join(dirname(createRequire(import.meta.url).resolve('sanity/package.json')), 'lib')
  const wanted = ['getInitialFetchEvents', 'getDocumentAtRevision'] as const
  for (const file of readdirSync(lib).filter((name) => name.endsWith('.js'))) {
    const source = readFileSync(join(lib, file), 'utf8')
    if (!source.includes('function getInitialFetchEvents(')) continue
    const exported = source.slice(source.lastIndexOf('export {'))
    const alias = (name: string) =>
      new RegExp(`\\b${name} as (\\w+)`).exec(exported)?.[1] ?? expect.fail(`${name} not exported`)
    const chunk = await import(pathToFileURL(join(lib, file)).href)
    return Object.fromEntries(wanted.map((name) => [name, chunk[alias(name)]])) as never
  }
  return expect.fail('No chunk of sanity defines getInitialFetchEvents')
}

/** The first value `observable` emits that `done` accepts. */
function settled<T>(observable: Observable<T>, done: (value: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    let finished = false
    const subscription = observable.subscribe({
      next(value) {
        if (finished || !done(value)) return
        finished = true
        resolve(value)
        queueMicrotask(() => subscription?.unsubscribe())
      },
      error: reject,
    })
    if (finished) subscription.unsubscribe()
  })
}

it('an imported document is ONE history entry, and the Studio opens it', async () => {
  const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake().url, LAKE_DATA: lake().dataDir}})
  expect(
    await runImport(['--dataset', 'test', '--create-dataset', '--as-of', '2025-07-20'], io),
    io.err(),
  ).toBe(0)
  const client = lake().client()
  const [id] = await client.fetch<string[]>(
    '*[_type == "article" && !(_id in path("drafts.**"))]._id',
    {},
    {perspective: 'raw'},
  )
  const published = (await client.getDocument(id))!
  expect(published).toBeDefined()

  // Loading `sanity` in Node takes a while.
  const studio = await studioEventsCode()
  const eventsOf = async (documentId: string) => {
    const state = await settled(
      studio.getInitialFetchEvents({client, documentId}).events$,
      (value) => !value.loading,
    )
    expect(state.error).toBeNull()
    return state.events
  }
  const open = async (documentId: string, revisionId: string) =>
    (
      await settled(
        studio.getDocumentAtRevision({client, documentId, revisionId}),
        (value) => !value.loading,
      )
    ).document

  // The published version: the import, once, and opening it shows the document as imported.
  const events = await eventsOf(id)
  expect(events.map((event) => [event.type, event.id])).toEqual([
    ['createLiveDocument', published._rev],
  ])
  expect(await open(id, events[0].id)).toEqual(published)
  // The draft (the version the Studio opens by default) has no history of its own yet.
  expect(await eventsOf(`drafts.${id}`)).toEqual([])

  // An editor's edit makes the draft; publishing it is the draft's and the published version's
  // newest entry, and each entry opens the state it names.
  const act = (actions: object[]) =>
    client.request({method: 'POST', uri: '/data/actions/test', body: {actions}})
  const draftId = `drafts.${id}`
  await act([
    {
      actionType: 'sanity.action.document.edit',
      draftId,
      publishedId: id,
      patch: {set: {kicker: 'বিশ্ব'}},
    },
  ])
  const draft = (await client.getDocument(draftId))!
  await act([{actionType: 'sanity.action.document.publish', draftId, publishedId: id}])
  const republished = (await client.getDocument(id))!

  const draftEvents = await eventsOf(draftId)
  expect(draftEvents.map((event) => [event.type, event.id])).toEqual([
    ['publishDocumentVersion', draft._rev],
    ['createDocumentVersion', draft._rev],
  ])
  expect(await open(draftId, draftEvents[0].id)).toEqual(draft)
  const publishedEvents = await eventsOf(id)
  expect(publishedEvents.map((event) => [event.type, event.id])).toEqual([
    ['publishDocumentVersion', republished._rev],
    ['createLiveDocument', published._rev],
  ])
  expect(await open(id, publishedEvents[0].id)).toEqual(republished)
  expect(await open(id, publishedEvents[1].id)).toEqual(published)
}, 120_000)

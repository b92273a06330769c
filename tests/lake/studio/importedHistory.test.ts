/**
 * Issue 10, item 3: the history of an imported document, as the Studio 6.9.2 builds it. The
 * Studio's own legacy timeline (`Timeline` and `TimelineController` from `sanity`, the back-end
 * sanity.config.ts selects with `beta.eventsAPI.documents: false`) is driven here against a real
 * lake over HTTP, with the seed imported by the real import script, exactly as the document pane
 * drives it: snapshots of the draft and the published document, then
 * `…/transactions/<id>,drafts.<id>?…reverse=true&limit=50`.
 */
import {expect, it} from 'vitest'
import {run as runImport} from '../../../scripts/import.ts'
import {captureIo} from '../../helpers/io.ts'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake()

type Chunk = {id: string; type: string; startTimestamp: string; endTimestamp: string}

it('an imported document has one transaction, and the Studio opens its revision', async () => {
  const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake().url, LAKE_DATA: lake().dataDir}})
  expect(await runImport(['--dataset', 'test'], io), io.err()).toBe(0)
  const client = lake().client()
  const [id] = await client.fetch<string[]>('*[_type == "article"]._id', {}, {perspective: 'raw'})
  const published = await client.getDocument(id)
  expect(published).toBeDefined()

  // The Studio's own timeline code (loading `sanity` in Node takes a while).
  const {Timeline, TimelineController} = await import('sanity')
  const timeline = new Timeline({publishedId: id})
  const controller = new TimelineController({
    timeline,
    client,
    documentId: id,
    documentType: 'article',
  })
  const changed = new Promise<void>((resolve, reject) => {
    controller.setHandler((err) => {
      if (err) reject(err)
      else if (timeline.reachedEarliestEntry) resolve()
    })
  })
  controller.handleRemoteMutation({type: 'snapshot', version: 'draft', document: null} as never)
  controller.handleRemoteMutation({
    type: 'snapshot',
    version: 'published',
    document: published,
  } as never)
  controller.setLoadMore(true)
  await changed

  // The import was one transaction, whose id is the document's _rev: the aligner found it.
  const chunks = timeline.mapChunks((chunk) => chunk as unknown as Chunk)
  const real = chunks.filter((chunk) => chunk.type !== 'initial')
  expect(real.map((chunk) => [chunk.type, chunk.id])).toEqual([['editLive', published!._rev]])

  // Selecting that transaction shows the imported document as it was stored.
  controller.setRange(null, timeline.createTimeId(real[0] as never))
  expect(controller.selectionState).not.toBe('invalid')
  const shown = controller.realRevChunk
  expect(shown.id).toBe(published!._rev)

  // Restoring it asks for the pair at that revision and takes the one whose _rev matches.
  const res = await fetch(
    `${lake().url}/v2025-02-19/data/history/test/documents/${id},drafts.${id}?revision=${published!._rev}`,
    {headers: {authorization: `Bearer ${lake().token}`}},
  )
  const {documents} = (await res.json()) as {documents: {_id: string; _rev: string}[]}
  expect(documents.find((doc) => doc._rev === published!._rev)).toEqual(published)

  // The Studio adds its own "Created" entry (`@initial`, at the same time as the first
  // transaction) once it has read to the start of the log; it shows the state *before* the oldest
  // transaction it read, which for a document whose whole history is in the log is nothing.
  const initial = chunks.find((chunk) => chunk.type === 'initial')!
  expect(initial.id).toBe('@initial')
  expect(initial.endTimestamp).toBe(real[0].endTimestamp)
  controller.setRange(null, timeline.createTimeId(initial as never))
  expect(controller.displayed()).toBeNull()
}, 120_000)

/** `GET /v{ver}/data/doc/{dataset}/{ids}`: documents by literal id, always current. */
import {Hono} from 'hono'
import {datasetOf, flag} from '../context.ts'
import {requestSignal} from '../nodeRequest.ts'
import {getPrincipal} from '../principal.ts'

export const docRoutes = new Hono()

docRoutes.get('/:version{v[^/]+}/data/doc/:dataset/:ids{.+}', async (c) => {
  const dataset = datasetOf(c)
  const ids = c.req.param('ids').split(',').map(decodeId).filter(Boolean)
  const {documents, omitted} = await dataset.documents(getPrincipal(c), ids, {
    includeAllVersions: flag(c, 'includeAllVersions'),
    excludeContent: flag(c, 'excludeContent'),
    signal: requestSignal(c),
  })
  c.header('content-type', 'application/json')
  const body = answer(documents, JSON.stringify(omitted))
  return c.body(body instanceof ReadableStream ? body : new Uint8Array(body), 200)
})

/** Bytes of documents sent as one buffer (a copy of them costs well under a millisecond). */
const SMALL_ANSWER = 256 * 1024

/**
 * `{"documents": […], "omitted": […]}` from the documents' stored JSON texts, a document per
 * chunk: a large answer is never copied into one buffer, and the event loop is free between them.
 */
function answer(documents: Uint8Array[], omitted: string): ReadableStream<Uint8Array> | Buffer {
  const parts: Uint8Array[] = [Buffer.from('{"documents":[')]
  documents.forEach((text, i) => parts.push(...(i === 0 ? [text] : [COMMA, text])))
  parts.push(Buffer.from(`],"omitted":${omitted}}`))
  let length = 0
  for (const part of parts) length += part.byteLength
  if (length <= SMALL_ANSWER) return Buffer.concat(parts)
  let next = 0
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A turn of the event loop per part: the server reads the stream in a loop of promises,
        // which alone would send the whole answer in one task.
        await new Promise((resolve) => setImmediate(resolve))
        controller.enqueue(parts[next]!)
        // Sent: the stream holds no reference to it any more.
        parts[next++] = EMPTY
        if (next === parts.length) controller.close()
      },
    },
    {highWaterMark: 0},
  )
}

const COMMA = Buffer.from(',')
const EMPTY = new Uint8Array(0)

/** Ids may arrive percent-encoded once more inside the path segment. */
function decodeId(id: string): string {
  try {
    return decodeURIComponent(id.trim())
  } catch {
    return id.trim()
  }
}

/**
 * Transformed images: `GET /images/{project}/{dataset}/{file}?w=…&h=…&fit=…` answered with a cached
 * rendition (lake/assets/images.ts). Called by the asset download route once it has found the
 * asset; without transform parameters the original bytes are served there as before.
 */
import {basename} from 'node:path'
import type {Context} from 'hono'
import {hasTransform} from '../../assets/imageTransform.ts'
import {lakeOf} from '../context.ts'
import {servedFile} from '../byteRange.ts'
import {vary} from '../cors.ts'
import {requestSignal} from '../nodeRequest.ts'
import {streamHolder} from '../principal.ts'

/** The rendition response, or null when the URL asks for the original. */
export async function imageRendition(
  c: Context,
  path: string,
  name: string,
): Promise<Response | null> {
  const search = new URL(c.req.url).searchParams
  if (!hasTransform(search)) return null
  const accept = c.req.header('accept')
  // Its asker's turn in the image queue (lake/assets/sharp.ts): anyone may ask for renditions.
  const rendition = await lakeOf(c).images.render(
    path,
    name,
    search,
    accept,
    requestSignal(c),
    streamHolder(c),
  )
  c.header('Content-Type', rendition.contentType)
  // The parameters name the rendition; only auto=format also depends on the request.
  c.header('Cache-Control', 'public, max-age=31536000, immutable')
  if (search.get('auto') === 'format') vary(c, 'Accept')
  c.header('X-Lake-Image-Cache', rendition.hit ? 'hit' : 'miss')
  // A range of it too, as of an original and as Sanity's CDN serves a cached rendition.
  // Named by its source's hash and its parameters; weak, as another renderer encodes otherwise.
  return servedFile(c, rendition.path, rendition.size, `W/"${basename(rendition.path)}"`)
}

/**
 * `GET /` (and HEAD): what `npm run dev` prints as the lake's address, so what a newcomer opens
 * first. It says what this is and where to go, the same to every caller: nothing in it depends on
 * who asks, so it names no dataset (anonymous callers may not learn a private one's name), token,
 * account or data folder. The shape is the lake's own: Sanity's HTTP API reference documents
 * nothing at its API host's root, and this must not pass for Sanity's answer.
 */
import {Hono} from 'hono'
import packageJson from '../../../package.json' with {type: 'json'}
import {lakeOf} from '../context.ts'

/** The API version this project's clients send; any `/v<version>/` prefix is served. */
const VERSION = 'v2025-02-19'

export interface RootAnswer {
  name: string
  version: string
  about: string
  api: Record<string, string>
  /** Only when the lake was told it (`--studio-url`; `npm run dev` passes it). */
  studio?: string
  docs: string
}

export function rootAnswer(studioUrl: string | undefined): RootAnswer {
  return {
    name: `${packageJson.name} local Content Lake`,
    version: packageJson.version,
    about:
      "A local server speaking the part of Sanity's HTTP API the Studio and @sanity/client use, " +
      'over SQLite; not a Sanity service.',
    api: {
      versions: `any /v<version>/ prefix; this project's clients send /${VERSION}/`,
      query: `/${VERSION}/data/query/<dataset>?query=<GROQ>`,
      doc: `/${VERSION}/data/doc/<dataset>/<id>`,
      mutate: `POST /${VERSION}/data/mutate/<dataset>`,
      actions: `POST /${VERSION}/data/actions/<dataset>`,
      ping: '/v2025-03-01/ping',
    },
    ...(studioUrl ? {studio: studioUrl} : {}),
    docs: 'docs/lake-api.md',
  }
}

export function rootRoutes(): Hono {
  const app = new Hono()
  // Hono answers HEAD with this route's headers and no body.
  app.get('/', (c) => c.json(rootAnswer(lakeOf(c).studioUrl)))
  return app
}

/**
 * A content migration, defined as Sanity's docs define one (`defineMigration` from
 * `sanity/migrate`), run against a real lake by @sanity/migrate's runner: the code behind
 * `sanity migration run`, which reads the dataset through the export API and writes through the
 * mutate API. The CLI command itself cannot be pointed at the lake (docs/hosted.md); its runner
 * can, from a `sanity exec` script.
 *
 * The runner always calls `https://<projectId>.<apiHost>//v<apiVersion>/…`: the project's
 * subdomain (`local.localhost`, as the Studio's browser does) and a doubled slash before the
 * version (sanity-io/migrate's own test pins `https://xyz.api.sanity.io//v2025-01-31/query/…`).
 */
import {at, defineMigration, run, setIfMissing} from 'sanity/migrate'
import {beforeAll, expect, it} from 'vitest'
import {resolveLocalhostSubdomains} from '../../helpers/localhostNames.ts'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake()

beforeAll(async () => {
  resolveLocalhostSubdomains()
  await lake()
    .client()
    .transaction()
    .create({_id: 'article-1', _type: 'article', title: 'প্রথম'})
    .create({_id: 'article-2', _type: 'article', title: 'দ্বিতীয়', desk: 'খেলা'})
    .create({_id: 'drafts.article-3', _type: 'article', title: 'খসড়া'})
    .create({_id: 'source-1', _type: 'source', name: 'প্রথম আলো'})
    .commit()
})

const addDesk = defineMigration({
  title: 'Every article has a desk',
  documentTypes: ['article'],
  migrate: {
    // The runner's client for the migration, on the same host: the desk named by a source.
    async document(_, context) {
      const desk = await context.client.fetch<string>('*[_type == "source"][0].name')
      return at('desk', setIfMissing(desk))
    },
  },
})

function api() {
  return {
    projectId: 'local',
    dataset: 'test',
    // The runner puts the project id before the host, so the host is the lake's name, not its IP;
    // with its scheme, as the migration's client (@sanity/client) needs it.
    apiHost: `https://localhost:${new URL(lake().url).port}`,
    apiVersion: 'v2025-02-19' as const,
    token: lake().token,
  }
}

it('runs a migration through the export and mutate APIs', async () => {
  const done: {documents: number; mutations: number}[] = []
  await run({api: api(), onProgress: (progress) => progress.done && done.push(progress)}, addDesk)

  expect(done).toMatchObject([{documents: 3, mutations: 3}])
  const desks = await lake()
    .client()
    .fetch('*[!(_id in path("_.**"))] | order(_id) {_id, desk}', {}, {perspective: 'raw'})
  expect(desks).toEqual([
    {_id: 'article-1', desk: 'প্রথম আলো'},
    {_id: 'article-2', desk: 'খেলা'},
    {_id: 'drafts.article-3', desk: 'প্রথম আলো'},
    {_id: 'source-1', desk: null},
  ])
})

it('reads a doubled slash as one, the API version included', async () => {
  const query = encodeURIComponent('*[_type == "article"]._id')
  const answer = async (path: string) => {
    const res = await fetch(`${lake().url}${path}?query=${query}`, {
      headers: {authorization: `Bearer ${lake().token}`},
    })
    return {status: res.status, result: ((await res.json()) as {result?: unknown}).result}
  }
  // From v2025-02-19 a query's default perspective is `published`: no draft.
  const single = await answer('/v2025-02-19/data/query/test')
  expect(single).toEqual({status: 200, result: ['article-1', 'article-2']})
  expect(await answer('//v2025-02-19//data/query/test')).toEqual(single)
})

import type {ClientReturn, QueryParams} from 'next-sanity'
import {defineLive} from 'next-sanity/live'
import {client} from './client.ts'
import {cacheSeconds, readToken} from './env.ts'

/**
 * <SanityLive> listens to the Live Content API and expires exactly the cached queries whose answers
 * a publish changed, but only while a browser has the site open: a publish nobody's tab heard of
 * would otherwise leave the page as it was for next-sanity's year.
 */
export const {SanityLive} = defineLive({
  client,
  serverToken: readToken ?? false,
  browserToken: false,
})

const published = client.withConfig({perspective: 'published', useCdn: true, stega: false})

/**
 * defineLive's sanityFetch, with a cache lifetime: its answers are cached with `revalidate: false`
 * (for ever, unless a live event names their tags). Each answer is tagged with its sync tags, so
 * <SanityLive> still expires it at once, and is refetched at the first visit after `cacheSeconds`
 * (stale-while-revalidate), so a publish no tab heard of reaches the page within that.
 */
export async function sanityFetch<const Query extends string>({
  query,
  params = {},
}: {
  query: Query
  params?: QueryParams
}): Promise<{data: ClientReturn<Query, unknown>}> {
  // Which tags the answer carries (one per question, stable): asked first, as next-sanity does.
  const {syncTags = []} = await published.fetch(query, params, {
    filterResponse: false,
    returnQuery: false,
    tag: 'front-page.sync-tags',
  })
  const {result} = await published.fetch<ClientReturn<Query, unknown>>(query, params, {
    filterResponse: false,
    returnQuery: false,
    tag: 'front-page.fetch',
    next: {revalidate: cacheSeconds, tags: syncTags.map((tag) => `sanity:${tag}`)},
  })
  return {data: result}
}

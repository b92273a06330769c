import {defineLive} from 'next-sanity/live'
import {client} from './client.ts'
import {readToken} from './env.ts'

/**
 * sanityFetch tags each cached query with its syncTags; <SanityLive> listens to the Live Content
 * API and revalidates exactly the queries whose answers a publish changed.
 */
export const {sanityFetch, SanityLive} = defineLive({
  client,
  serverToken: readToken ?? false,
  browserToken: false,
})

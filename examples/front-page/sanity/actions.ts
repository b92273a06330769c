'use server'
/**
 * What <SanityLive> calls when the Live Content API announces changed answers. next-sanity 13's
 * default action calls `revalidateTag(tag, 'max')` in production: stale-while-revalidate, so the
 * `router.refresh()` that follows renders the cached, old answer and the page only changes on a
 * later visit. `updateTag` expires the tags at once and this action's response carries the page
 * rendered afresh, so an open page shows the publish within the action's round trip.
 */
import {updateTag} from 'next/cache'
import {parseTags} from 'next-sanity/live'

export async function expireLiveTags(unsafeTags: unknown): Promise<void> {
  // Only the `sanity:`-prefixed tags sanityFetch set; anything else is refused by parseTags.
  for (const tag of parseTags(unsafeTags).tags) updateTag(tag)
}

/**
 * Where the content comes from. Against the local lake: NEXT_PUBLIC_SANITY_API_HOST=
 * https://localhost:3334, projectId `local`, and Node must trust the lake's CA (NODE_EXTRA_CA_CERTS,
 * which `npm run lake -- env` prints; `npm run example` sets both). Against hosted Sanity: your
 * projectId, no NEXT_PUBLIC_SANITY_API_HOST.
 */
export const projectId = process.env.NEXT_PUBLIC_SANITY_PROJECT_ID ?? 'local'
export const dataset = process.env.NEXT_PUBLIC_SANITY_DATASET ?? 'production'
/** Unset for hosted Sanity (https://api.sanity.io). */
export const apiHost = process.env.NEXT_PUBLIC_SANITY_API_HOST || undefined
export const apiVersion = '2025-02-19'
/** A viewer token for a private dataset; leave unset for a public one. Server-side only. */
export const readToken = process.env.SANITY_API_READ_TOKEN || undefined
/**
 * How long a cached answer is served before a visit refetches it, in seconds (sanity/live.ts).
 * <SanityLive> expires changed answers at once while a tab has the site open; a publish no tab
 * heard of reaches the page within this.
 */
export const cacheSeconds = Number(process.env.SANITY_CACHE_SECONDS) || 60

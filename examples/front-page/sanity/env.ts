/**
 * Where the content comes from. Against the local lake: SANITY_API_HOST=https://localhost:3334,
 * projectId `local`, and Node must trust the lake's CA (NODE_EXTRA_CA_CERTS, which
 * `npm run lake -- env` prints). Against hosted Sanity: your projectId, no SANITY_API_HOST.
 */
export const projectId = process.env.NEXT_PUBLIC_SANITY_PROJECT_ID ?? 'local'
export const dataset = process.env.NEXT_PUBLIC_SANITY_DATASET ?? 'production'
/** Unset for hosted Sanity (https://api.sanity.io). */
export const apiHost = process.env.NEXT_PUBLIC_SANITY_API_HOST || undefined
export const apiVersion = '2025-02-19'
/** A viewer token for a private dataset; leave unset for a public one. Server-side only. */
export const readToken = process.env.SANITY_API_READ_TOKEN || undefined

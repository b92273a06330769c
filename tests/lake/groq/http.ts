/** Plain HTTP calls to a lake for the GROQ suites: loading documents and running queries. */

/**
 * A lake to call: its origin, a token, and the `fetch` that reaches it (the suites use an
 * in-process lake, tests/helpers/lake.ts; any `fetch`, the global one included, will do).
 */
export type LakeTarget = {
  url: string
  token: string
  fetch(input: string, init?: RequestInit): Promise<Response>
}

/** The same lake called without a token: an anonymous caller (its `authorization` header dropped). */
export function anonymousTarget(target: LakeTarget): LakeTarget {
  return {
    url: target.url,
    token: '',
    fetch(input, init) {
      const headers = new Headers(init?.headers)
      headers.delete('authorization')
      return target.fetch(input, {...init, headers})
    },
  }
}

export type StoredDocument = {_id: string; [key: string]: unknown}

export type QueryResponse = {status: number; body: Record<string, unknown>}

const API_VERSION = 'v2025-02-19'
/** @sanity/client switches from GET to POST at this URL length; do the same. */
const MAX_GET_URL = 11_264

function headers(lake: LakeTarget): Record<string, string> {
  return {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'}
}

/**
 * Writes `documents` with createOrReplace, `batchSize` per transaction, and returns them as the
 * lake stored them (with `_rev`, `_createdAt` and `_updatedAt`).
 */
export async function loadDocuments(
  lake: LakeTarget,
  dataset: string,
  documents: object[],
  batchSize = 200,
): Promise<StoredDocument[]> {
  const stored: StoredDocument[] = []
  for (let start = 0; start < documents.length; start += batchSize) {
    const mutations = documents
      .slice(start, start + batchSize)
      .map((doc) => ({createOrReplace: doc}))
    const response = await lake.fetch(
      `${lake.url}/${API_VERSION}/data/mutate/${dataset}?returnIds=true&returnDocuments=true&visibility=sync`,
      {method: 'POST', headers: headers(lake), body: JSON.stringify({mutations})},
    )
    if (!response.ok) {
      throw new Error(`loading ${dataset} failed: ${response.status} ${await response.text()}`)
    }
    const body = (await response.json()) as {results: {document: StoredDocument}[]}
    stored.push(...body.results.map((result) => result.document))
  }
  return stored
}

/**
 * Runs a query as @sanity/client would: GET with `$name=<JSON>` parameters, POST with a JSON body
 * when the URL gets too long.
 */
export async function query(
  lake: LakeTarget,
  dataset: string,
  groq: string,
  params: Record<string, unknown> = {},
  perspective = 'raw',
): Promise<QueryResponse> {
  const base = `${lake.url}/${API_VERSION}/data/query/${dataset}`
  const search = new URLSearchParams({query: groq})
  for (const [name, value] of Object.entries(params)) search.set(`$${name}`, JSON.stringify(value))
  search.set('perspective', perspective)
  search.set('returnQuery', 'false')
  let response: Response
  if (base.length + 1 + search.toString().length < MAX_GET_URL) {
    response = await lake.fetch(`${base}?${search}`, {headers: headers(lake)})
  } else {
    const options = new URLSearchParams({perspective, returnQuery: 'false'})
    response = await lake.fetch(`${base}?${options}`, {
      method: 'POST',
      headers: headers(lake),
      body: JSON.stringify({query: groq, params}),
    })
  }
  const text = await response.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = {unparsable: text}
  }
  return {status: response.status, body}
}

/** `POST /v{ver}/data/mutate/{dataset}`: one atomic transaction of create/delete/patch mutations. */
import {Hono, type Context} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {matchEach, StaleMatchError} from '../../core/mutations.ts'
import type {SanityDocument} from '../../core/types.ts'
import type {Writes} from '../../core/writes.ts'
import type {DatasetService} from '../../dataset.ts'
import {flag, param} from '../context.ts'
import {partsAnswer} from '../documentsAnswer.ts'
import {getPrincipal, streamHolder} from '../principal.ts'
import {commitRequest, writeRequest} from '../writeRequest.ts'

export const mutateRoutes = new Hono()

const VISIBILITIES = new Set(['sync', 'async', 'deferred'])

mutateRoutes.post('/:version{v[^/]+}/data/mutate/:dataset', async (c) => {
  const read = await writeRequest(c, 'mutations')
  const {dataset, since} = read
  const visibility = param(c, 'visibility') ?? 'sync'
  // Every visibility behaves like `sync`: a commit is queryable as soon as it returns.
  if (!VISIBILITIES.has(visibility)) throw new BadRequestError(`Invalid visibility "${visibility}"`)
  // Read (and checked) whatever the body says, as dryRun (commitRequest); given in both, which
  // was meant is a guess (the body's won without a word).
  const transactionIdInUrl = param(c, 'transactionId')
  if (transactionIdInUrl !== undefined && read.transactionId != null) {
    throw new BadRequestError(
      'The request gives "transactionId" twice, in the URL and in the body: send it once (in ' +
        'the body, as @sanity/client does)',
    )
  }
  const transactionId = read.transactionId ?? transactionIdInUrl
  const autoGenerateArrayKeys = flag(c, 'autoGenerateArrayKeys')
  // Before the commit, as every part of the request: its 400 after one told a stored write failed.
  const returnDocuments = flag(c, 'returnDocuments')
  const principal = getPrincipal(c)
  const request = commitRequest(c, read, transactionId)
  const outcome = await commitMatched(async () => {
    // Queries of patch/delete run first, on a worker: never inside the transaction's write lock.
    const matched = await matchEach(read.queries(), (query, params) =>
      dataset.matchIds(principal, query, params, {signal: c.req.raw.signal, since}),
    )
    const writes = {...read.writes, autoGenerateArrayKeys, matched} as Writes
    return dataset.write(principal, request, writes)
  })
  const byId = new Map(outcome.transaction.changes.map((change) => [change.id, change]))
  // Documents the transaction did not change (a createIfNotExists of one that exists), and all of
  // an unannounced one's (its changes are not known: TransactionOutcome): a large one as its
  // stored text, read on a worker (parsed here, a 20 MB one held the event loop).
  const unchanged = returnDocuments
    ? [...new Set(outcome.result.map(({id}) => id).filter((id) => !byId.has(id)))]
    : []
  const current = unchanged.length > 0 ? await unchangedDocuments(dataset, unchanged, c) : []
  const currentById = new Map(unchanged.map((id, i) => [id, current[i]]))
  const results = outcome.result.map(({id, operation}) => {
    if (!returnDocuments) return {id, operation}
    const change = byId.get(id)
    // A deleted document is returned as it was before the delete, as Sanity does. A change built
    // off the event loop carries its documents as text, which the answer carries as it is.
    const text = change?.text && (change.text.after ?? change.text.before)
    if (text) return {id, operation, document: text.bytes}
    const document = change ? (change.after ?? change.before) : currentById.get(id)
    return document === undefined ? {id, operation} : {id, operation, document}
  })
  const committed = outcome.transaction.id
  if (!results.some((result) => 'document' in result && result.document instanceof Uint8Array)) {
    return c.json({transactionId: committed, results})
  }
  c.header('content-type', 'application/json')
  // Committed: past the answer budget it is held, not refused.
  return c.body(partsAnswer(c, answerParts(committed, results), false), 200)
})

/**
 * The documents a committed transaction left as they were, for its answer: read on a read thread
 * (a large one as its text). When that read fails (its deadline, the lake stopping), they are read
 * here instead, and where that fails too (the databases closed) each result goes without its
 * document: the transaction is committed, and an error would make its client send it again, its
 * creates then refused as existing (docs/lake-api.md#endpoints).
 */
async function unchangedDocuments(
  dataset: DatasetService,
  ids: string[],
  c: Context,
): Promise<(SanityDocument | Uint8Array | null | undefined)[]> {
  const signal = c.req.raw.signal
  try {
    return await dataset.currentDocumentsOrTexts(ids, {signal, holder: streamHolder(c)})
  } catch {
    // The client went away: nobody reads the answer.
    if (signal.aborted) return ids.map(() => undefined)
    try {
      return dataset.currentDocuments(ids)
    } catch {
      return ids.map(() => undefined)
    }
  }
}

/**
 * JSON.stringify({transactionId, results}), byte for byte, as parts: a document given as its
 * text (UTF-8 JSON, as JSON.stringify wrote it on the write thread) is a part of its own, neither
 * decoded, parsed nor serialised again here (a 20 MB document's took 0.6-1.4 s of the event loop).
 */
function answerParts(
  transactionId: string,
  results: {id: string; operation: string; document?: unknown}[],
): Uint8Array[] {
  const parts: Uint8Array[] = []
  let json = `{"transactionId":${JSON.stringify(transactionId)},"results":[`
  results.forEach(({id, operation, document}, i) => {
    json += `${i === 0 ? '' : ','}{"id":${JSON.stringify(id)},"operation":${JSON.stringify(operation)}`
    if (document === undefined) json += '}'
    else if (document instanceof Uint8Array) {
      json += ',"document":'
      parts.push(Buffer.from(json), document)
      json = '}'
    } else json += `,"document":${JSON.stringify(document)}}`
  })
  parts.push(Buffer.from(`${json}]}`))
  return parts
}

/** How often a request whose matched documents changed before its transaction is matched again. */
const MATCH_ATTEMPTS = 3

/** Runs `attempt` again while a document its queries matched changed meanwhile; then the 409. */
async function commitMatched<T>(attempt: () => Promise<T>): Promise<T> {
  for (let left = MATCH_ATTEMPTS; ; left--) {
    try {
      return await attempt()
    } catch (err) {
      if (!(err instanceof StaleMatchError) || left <= 1) throw err
    }
  }
}

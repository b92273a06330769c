/**
 * `GET /v{ver}/data/history/{dataset}/documents/{ids}` (a document at a revision or time) and
 * `GET …/transactions/{ids}` (the transaction log as NDJSON) and `GET …/events/documents/{id}` (the
 * Events API, core/historyEvents.ts), as the Studio's history uses them; `GET …/transactions`
 * (the whole dataset's log).
 */
import {Hono, type Context} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {invalidIdReason} from '../../core/ids.ts'
import {checkListLength, LIMITS} from '../../core/limits.ts'
import type {HistoryPoint, LoggedTransactionText} from '../../core/store.ts'
import {checkStillSignedIn, getPrincipal, streamHolder} from '../principal.ts'
import type {DatasetService} from '../../dataset.ts'
import {datasetOf, flag, param} from '../context.ts'
import {documentsAnswer} from '../documentsAnswer.ts'
import {errorDescription} from '../errors.ts'
import {requestSignal} from '../nodeRequest.ts'
import {pagedAnswer, utf8} from '../pagedAnswer.ts'

export const historyRoutes = new Hono()

const BASE = '/:version{v[^/]+}/data/history/:dataset'

historyRoutes.get(`${BASE}/documents/:ids{.+}`, async (c) => {
  const dataset = await datasetOf(c)
  const ids = await historyIds(c)
  // Rebuilt off the event loop when many or large, and sent a document at a time: what
  // c.json({documents}) sent, byte for byte.
  const documents = await dataset.documentsAt(getPrincipal(c), ids, historyPoint(c), {
    signal: requestSignal(c),
    holder: streamHolder(c),
  })
  c.header('content-type', 'application/json')
  return c.body(documentsAnswer(c, documents, ']}'), 200)
})

historyRoutes.get(`${BASE}/transactions/:ids{.+}`, async (c) => {
  const dataset = await datasetOf(c)
  const ids = await historyIds(c)
  const limit = param(c, 'limit')
  // SQLite's LIMIT takes a 64-bit integer; a longer digit string would be a 500, not an answer.
  if (limit !== undefined && !(/^\d+$/.test(limit) && Number.isSafeInteger(Number(limit)))) {
    throw new BadRequestError(
      `\`limit\` must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, not "${limit}"`,
    )
  }
  return logAnswer(c, dataset, ids, limit === undefined ? undefined : Number(limit))
})

/**
 * The whole dataset's log (hosted Sanity's History API without document ids, as its "restore
 * deleted documents" guide reads it): the ids form's parameters, each transaction as the caller
 * may see it (one that changed nothing the caller may see the history of is left out), at most
 * LIMITS.datasetLog transactions an answer. A parameter the ids form does not read is a 400: a
 * misspelt bound (`fromtime`) would list the whole log.
 */
historyRoutes.get(`${BASE}/transactions`, async (c) => {
  const dataset = await datasetOf(c)
  const unknown = Object.keys(c.req.queries()).filter((name) => !DATASET_LOG_PARAMETERS.has(name))
  if (unknown.length > 0) {
    throw new BadRequestError(
      `Unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `\`${n.slice(0, 64)}\``).join(', ')}: the dataset's transactions take ${[...DATASET_LOG_PARAMETERS].map((n) => `\`${n}\``).join(', ')}`,
    )
  }
  const {transactions, maxTransactions} = LIMITS.datasetLog
  const limit = param(c, 'limit')
  if (limit !== undefined && !(/^\d{1,6}$/.test(limit) && Number(limit) <= maxTransactions)) {
    // Newest first, the next page ends where this one did: `fromTransaction` would give it again.
    const bound = flag(c, 'reverse') ? 'toTransaction' : 'fromTransaction'
    throw new BadRequestError(
      `\`limit\` must be a whole number from 0 to ${maxTransactions}, not "${limit.slice(0, 64)}": read on from the last transaction listed with \`${bound}\``,
    )
  }
  // Accepted as hosted Sanity takes them; each changes nothing here (lake-api.md).
  flag(c, 'excludeContent')
  flag(c, 'includeIdentifiedDocumentsOnly')
  param(c, 'tag')
  return logAnswer(c, dataset, undefined, limit === undefined ? transactions : Number(limit))
})

/** What the dataset-wide log reads of its URL; anything else is a 400. */
const DATASET_LOG_PARAMETERS = new Set([
  'fromTransaction',
  'toTransaction',
  'fromTime',
  'toTime',
  'authors',
  'reverse',
  'limit',
  'excludeContent',
  'excludeMutations',
  'includeIdentifiedDocumentsOnly',
  'effectFormat',
  'tag',
])

/** The log of `ids` (undefined: the whole dataset's) as NDJSON, a page at a time. */
function logAnswer(
  c: Context,
  dataset: DatasetService,
  ids: string[] | undefined,
  limit: number | undefined,
): Promise<Response> {
  const authors = param(c, 'authors')?.split(',').filter(Boolean)
  if (authors) checkListLength('authors', authors)
  const withMutations = !flag(c, 'excludeMutations')
  const effectFormat = param(c, 'effectFormat')
  // As the listener does: "mendoza" is the one format (none leaves the effects out).
  if (effectFormat !== undefined && effectFormat !== 'mendoza') {
    throw new BadRequestError(
      `Invalid "effectFormat" "${effectFormat}": only "mendoza" is supported`,
    )
  }
  const withEffects = effectFormat === 'mendoza'
  const query = {
    ids,
    fromTransaction: param(c, 'fromTransaction') || undefined,
    toTransaction: param(c, 'toTransaction') || undefined,
    fromTime: time('fromTime', param(c, 'fromTime')),
    toTime: time('toTime', param(c, 'toTime')),
    authors,
    reverse: flag(c, 'reverse'),
    limit,
  }
  const log = dataset.transactionLog(getPrincipal(c), query, {
    mutations: withMutations,
    effects: withEffects,
  })
  const onlyIdentified = ids !== undefined && flag(c, 'includeIdentifiedDocumentsOnly')
  const wanted = new Set(ids)
  const line = (tx: LoggedTransactionText) => {
    const changes = onlyIdentified
      ? tx.changes.filter((change) => wanted.has(change.id))
      : tx.changes
    // Written as text around the stored JSON (see LoggedTransactionText), in the order and shape
    // of {id, timestamp, author, documentIDs, mutations, effects}.
    let out = JSON.stringify({
      id: tx.id,
      timestamp: tx.timestamp,
      author: tx.identity,
      documentIDs: changes.map((change) => change.id),
    }).slice(0, -1)
    if (withMutations) {
      // The changes listed, not the transaction's: the others are not what was asked for, or
      // not the caller's to see.
      const lists = changes.map((change) => change.mutations!.slice(1, -1))
      out += `,"mutations":[${lists.filter(Boolean).join(',')}]`
    }
    if (withEffects) {
      const byId = changes.map((change) => `${JSON.stringify(change.id)}:${change.effects}`)
      out += `,"effects":{${byId.join(',')}}`
    }
    return out + '}\n'
  }
  // Paged as exports are (pagedAnswer.ts): each page read and written out as text in its caller's
  // turn of the event loop, and counted in the answers' budget until the client's socket takes
  // it. Many exports of the log started at once read their first pages in one go, and unread
  // ones held their pages outside the budget.
  return pagedAnswer(c, logChunks(c, log, line))
}

/**
 * The log's pages as NDJSON in UTF-8. A failure of the first page is the request's (a bad bound
 * is a 4xx); of a later one, once the status is sent, a last line the Studio's reader reports.
 */
async function* logChunks(
  c: Context,
  log: Iterable<LoggedTransactionText[]>,
  line: (tx: LoggedTransactionText) => string,
): AsyncGenerator<Uint8Array> {
  let first = true
  try {
    for (const page of log) {
      // A token revoked while its log streams stops it at the next page (an error line).
      if (!first) checkStillSignedIn(c)
      first = false
      yield utf8(page.map(line).join(''))
    }
  } catch (error) {
    if (first) throw error
    const description = await errorDescription(error)
    yield utf8(JSON.stringify({error: {type: 'historyError', description}}) + '\n')
  }
}

// The Events API: one document's events, newest first, a page at a time (the Studio's history).
historyRoutes.get(`${BASE}/events/documents/:id`, async (c) => {
  const dataset = await datasetOf(c)
  const id = c.req.param('id')
  checkDocumentId(id)
  dataset.historyIds(getPrincipal(c), [id])
  const limit = param(c, 'limit')
  const max = LIMITS.historyEventsPerPage
  if (
    limit !== undefined &&
    !(/^\d{1,7}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= max)
  ) {
    throw new BadRequestError(`\`limit\` must be a whole number from 1 to ${max}, not "${limit}"`)
  }
  const page = dataset.documentEvents(getPrincipal(c), id, {
    limit: limit === undefined ? 100 : Number(limit),
    cursor: param(c, 'nextCursor') || undefined,
  })
  return c.json({events: {[id]: page.events}, nextCursor: page.nextCursor})
})

/** The requested ids the caller may see history of; none at all is a 403. */
async function historyIds(c: Context): Promise<string[]> {
  const ids = [
    ...new Set(
      c.req
        .param('ids')!
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ]
  if (ids.length === 0) throw new BadRequestError('No document ids given')
  checkListLength('document ids', ids)
  return (await datasetOf(c)).historyIds(getPrincipal(c), ids)
}

function checkDocumentId(id: string): void {
  const reason = invalidIdReason(id)
  if (reason) throw new BadRequestError(`Invalid document id "${id}": ${reason}`)
}

/** One point in history, as hosted Sanity takes them: exactly one of the three. */
function historyPoint(c: Context): HistoryPoint {
  const revision = param(c, 'revision')
  const at = time('time', param(c, 'time'))
  const last = flag(c, 'lastRevision')
  const given = [revision && '`revision`', at && '`time`', last && '`lastRevision`'].filter(Boolean)
  if (given.length > 1) {
    throw new BadRequestError(
      `${given.join(' and ')} name different points in history: give only one of them`,
    )
  }
  if (revision) return {revision}
  if (at) return {time: at}
  if (last) return {lastRevision: true}
  throw new BadRequestError('One of `revision`, `time` or `lastRevision` is required')
}

/**
 * An ISO 8601 time with its zone, or a date (its midnight in UTC), normalised: timestamps are
 * compared as ISO strings. JavaScript's Date reads more, each as some other time ("04/12/2026" as
 * 12 April in the lake's own zone, "2026-02-30" as 2 March, "1" as 2001), and its answer was
 * another point in history than the one meant.
 */
function time(name: string, value: string | undefined): string | undefined {
  if (!value) return undefined
  const parts = ISO_TIME.exec(value)
  const date = new Date(value)
  const [, year, month, day] = parts ?? []
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate()
  if (!parts || Number.isNaN(date.getTime()) || Number(day) > daysInMonth) {
    throw new BadRequestError(
      `Invalid \`${name}\` "${value.slice(0, 64)}": give an ISO 8601 time with its zone, as 2026-12-04T10:00:00Z or 2026-12-04T16:00:00+06:00 (a date alone, 2026-12-04, is its midnight in UTC)`,
    )
  }
  return date.toISOString()
}

/** `YYYY-MM-DD`, or that with `THH:MM`, optional seconds and fraction, and a zone. */
const ISO_TIME =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d))?$/

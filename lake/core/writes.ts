/**
 * A write request as data (the mutate API's mutations or the Actions API's actions): what the
 * dataset service applies in place or sends to a query worker to build (a closure cannot cross a
 * thread), and how much work it may take.
 */
import {actionWalks, applyActions} from './actions.ts'
import {BadRequestError, notUtf8Error, QueryMemoryError} from './errors.ts'
import {shallowText, tooDeepMember} from './jsonDepth.ts'
import {
  checkTransactionSize,
  checkWriteDepth,
  nestsDeeperThan,
  WRITE_DEPTH,
  writeDocumentId,
  writeTooDeep,
} from './limits.ts'
import {
  applyMutations,
  mutationQueries,
  mutationWalks,
  walkedBytes,
  type MutateOptions,
  type MutationQuery,
  type MutationResult,
  type Walks,
} from './mutations.ts'
import type {WorkingSet} from './transaction.ts'

/** The field of a write request's body that holds its writes. */
export type WriteField = 'mutations' | 'actions'

export type Writes =
  | {
      kind: 'mutations'
      mutations: unknown
      autoGenerateArrayKeys?: boolean
      matched?: MutateOptions['matched']
    }
  | {kind: 'actions'; actions: unknown; autoGenerateArrayKeys?: boolean}
  | {
      /**
       * A request's body as it arrived, its JSON read where the writes are applied (on a write
       * thread: a 20 MB body took 0.6-1.5 s of the event loop to decode and parse at load 15-19).
       */
      kind: 'body'
      field: WriteField
      /** UTF-8 JSON (in a SharedArrayBuffer when read by a thread: it crosses uncopied). */
      bytes: Uint8Array
      /** The documents it names (WriteBodyHead.ids): the rest of what writeWalks tells. */
      ids: readonly string[]
      autoGenerateArrayKeys?: boolean
      matched?: MutateOptions['matched']
    }

/**
 * Applies the writes to a working set: the mutations' results, or none for actions. `pace` (in
 * place only) is asked before each mutation and may give a promise to wait for first.
 */
export async function applyWrites(
  ws: WorkingSet,
  writes: Writes,
  pace?: MutateOptions['pace'],
): Promise<MutationResult[]> {
  if (writes.kind === 'body') {
    const body = readWriteBody(writes.bytes, writes.field)
    const {autoGenerateArrayKeys, matched} = writes
    if (writes.field === 'actions') {
      return applyWrites(ws, {kind: 'actions', actions: body.actions, autoGenerateArrayKeys})
    }
    return applyWrites(
      ws,
      {kind: 'mutations', mutations: body.mutations, autoGenerateArrayKeys, matched},
      pace,
    )
  }
  if (writes.kind === 'actions') {
    applyActions(ws, writes.actions, {autoGenerateArrayKeys: writes.autoGenerateArrayKeys})
    return []
  }
  const {autoGenerateArrayKeys, matched} = writes
  return applyMutations(ws, writes.mutations, {autoGenerateArrayKeys, matched, pace})
}

/**
 * Bytes the writes may walk (walkedBytes), their request's bytes included (or
 * those alone, once they pass IN_PLACE_WRITE_BYTES): a bound, not a measure, so that the Studio's
 * keystrokes and one-document writes stay in place while an editor's many patches of a large
 * draft cannot hold the event loop.
 */
export function writesWork(
  writes: Writes,
  requestBytes: number,
  storedBytes: (ids: readonly string[]) => readonly number[],
): number {
  // A body left unread is read where it is built, never in place.
  if (writes.kind === 'body') return Math.max(requestBytes, IN_PLACE_WRITE_BYTES + 1)
  // Past the bound on its own: weighing the rest would only walk the request on the event loop.
  if (requestBytes > IN_PLACE_WRITE_BYTES) return requestBytes
  const errorType = writes.kind === 'actions' ? 'actionError' : 'mutationError'
  return requestBytes + walkedBytes(writeWalks(writes), storedBytes, errorType)
}

/** The documents the writes name (or their queries matched), with what writesWork weighs. */
export function writeWalks(writes: Writes): Walks {
  if (writes.kind === 'body') {
    const matched = [...(writes.matched?.values() ?? [])].flat().map(([id]) => id)
    return new Map([...writes.ids, ...matched].map((id) => [id, {ops: 0, bodies: []}]))
  }
  return writes.kind === 'actions'
    ? actionWalks(writes.actions)
    : mutationWalks(writes.mutations, writes.matched)
}

/**
 * A bulk load's request (documents to create, replace or delete by id, none past
 * BULK_DOCUMENT_BYTES, nor any document it replaces or deletes, as stored): the work of each
 * mutation, a bound like writesWork's; null for any other request. Such a request is built in
 * place however large, a slice of BULK_SLICE_BYTES at a time (bulkPace): on a write thread its
 * documents were copied to the thread, serialised there and handed back, which cost more CPU than
 * building them (docs/query-engine.md#writes-off-the-event-loop).
 */
export function bulkWork(
  writes: Writes,
  storedBytes: (ids: readonly string[]) => readonly number[],
): number[] | null {
  if (writes.kind !== 'mutations' || !Array.isArray(writes.mutations)) return null
  const ids: string[] = []
  const work: number[] = []
  for (const mutation of writes.mutations as unknown[]) {
    if (typeof mutation !== 'object' || mutation === null) return null
    const entries = Object.entries(mutation)
    if (entries.length !== 1) return null
    const [kind, body] = entries[0]
    if (typeof body !== 'object' || body === null) return null
    const record = body as Record<string, unknown>
    let id: unknown
    if (kind === 'delete') {
      if (record.query !== undefined) return null
      id = record.id
    } else if (kind === 'create' || kind === 'createOrReplace' || kind === 'createIfNotExists') {
      id = record._id
    } else return null
    if (typeof id !== 'string') return null
    const bytes = kind === 'delete' ? 0 : jsonLengthWithin(body, BULK_DOCUMENT_BYTES)
    if (bytes > BULK_DOCUMENT_BYTES) return null
    ids.push(id)
    work.push(bytes)
  }
  const stored = storedBytes(ids)
  for (let i = 0; i < work.length; i++) {
    if (stored[i] > BULK_DOCUMENT_BYTES) return null
    work[i] += stored[i]
  }
  return work
}

/**
 * Before each mutation of a bulk request (bulkWork): once the mutations since the last pause
 * weighed BULK_SLICE_BYTES, `pause()`, so that the event loop answers others in between.
 */
export function bulkPace(
  work: readonly number[],
  pause: () => Promise<void>,
): NonNullable<MutateOptions['pace']> {
  let slice = 0
  return (index) => {
    slice += work[index] ?? 0
    if (slice < BULK_SLICE_BYTES) return null
    slice = 0
    return pause()
  }
}

/**
 * A bulk request (bulkWork) past this, of BULK_STREAM_DOCUMENTS or more, is streamed to the commit
 * thread however small each document, not only past IN_PLACE_WRITE_BYTES: the archive's 1,000
 * headlines weigh about 250 kB, and in place their rows were written on the event loop, which
 * paces a load, and the batch did not count as a load's for the deferred indexes. Two slices:
 * below it there is nothing to overlap.
 */
export const BULK_STREAM_BYTES = 2 * 64 * 1024

/**
 * A bulk request up to IN_PLACE_WRITE_BYTES is streamed only with this many documents: its weight
 * counts what it replaces and deletes, so an ordinary publish of a 45 kB article (the new body,
 * the one it replaces, the draft it deletes) or a few long replaces are past BULK_STREAM_BYTES,
 * and as streamed batches two within the bound counted as a load and dropped the deferred indexes.
 * A load's batches have hundreds: 1,000 headlines; the import's 256 kB of 2 kB articles, ~130.
 */
export const BULK_STREAM_DOCUMENTS = 64

/**
 * Whether a bulk request (bulkWork's `work`, one entry a mutation) of `weight` in all is streamed
 * to the commit thread, and so counts as a load's batch (docs/query-engine.md).
 */
export function bulkStreamed(work: readonly number[] | null, weight: number): boolean {
  if (!work) return false
  return weight > IN_PLACE_WRITE_BYTES || work.length >= BULK_STREAM_DOCUMENTS
}

/** A bulk request's documents are this size at most (as JSON, about), each and as stored. */
export const BULK_DOCUMENT_BYTES = 64 * 1024
/** Work of a bulk request between two pauses: a few milliseconds. */
export const BULK_SLICE_BYTES = 64 * 1024

/**
 * About the length of `value` as JSON (its strings' lengths and a little for everything else),
 * counted without recursion (a hostile value cannot overflow the stack); past `limit` it stops.
 */
function jsonLengthWithin(value: unknown, limit: number): number {
  let length = 0
  const stack: unknown[] = [value]
  while (stack.length > 0 && length <= limit) {
    const node = stack.pop()
    if (typeof node === 'string') length += node.length + 3
    else if (typeof node !== 'object' || node === null) length += 8
    else if (Array.isArray(node)) {
      length += 2
      for (const child of node) stack.push(child)
    } else {
      length += 2
      for (const key in node) {
        length += key.length + 4
        stack.push((node as Record<string, unknown>)[key])
      }
    }
  }
  return length
}

/**
 * Writes whose work passes this are built on a query worker (docs/query-engine.md#writes-off-the-event-loop).
 * A patch of a 50 kB draft costs about 0.1 ms in place; building a transaction on a worker costs
 * a thread hop and a second read of its documents. 1 MiB is some milliseconds of walking.
 */
export const IN_PLACE_WRITE_BYTES = 1024 * 1024

/**
 * Write bodies past this are read (decoded and parsed) on a write thread, never on the event loop:
 * a 20 MB document's parse held the loop for seconds, a 3 MB one's 0.1 s under load. Below it the
 * loop parses the body, so a bulk load's batch of small documents (the bench's 1,000 articles,
 * 1.9 MB; `@sanity/import` sends 256 kB) can still be built in place: read on a thread, it was
 * built there too, and the hop cost the batch more CPU than its build.
 */
export const READ_ON_THREAD_BYTES = 2 * 1024 * 1024

/** UTF-8, a leading BOM dropped; bytes UTF-8 does not allow are refused (notUtf8Error). */
const utf8 = new TextDecoder('utf-8', {fatal: true})

/**
 * A write request's body from its bytes, as the routes read a small one: the JSON (a 400 saying
 * it is not JSON), an object, with no more writes than one transaction may hold.
 */
export function readWriteBody(
  bytes: Uint8Array,
  field: WriteField,
  heapMb?: number,
): Record<string, unknown> {
  // TextDecoder does not read shared memory: a copy, where the body is read.
  const own = bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes
  refuseDeepWriteBody(own, field)
  let body: unknown
  let text: string
  try {
    text = utf8.decode(own)
  } catch {
    throw notUtf8Error()
  }
  // On a thread with a heap limit, a body whose parse would come near it is refused unparsed: V8
  // stops a thread over its limit, but a parse that grows one array past it (millions of `{}`)
  // may instead abort the whole process (nodejs/node#47224), every dataset with it.
  if (heapMb !== undefined && parsedHeapEstimate(text) > (heapMb * 1024 * 1024) / 2) {
    throw new QueryMemoryError(heapMb)
  }
  try {
    body = JSON.parse(text)
  } catch (err) {
    if (err instanceof SyntaxError) throw new BadRequestError('Request body is not valid JSON')
    throw err
  }
  return checkWriteBody(body, field)
}

/**
 * Refuses a write body nesting past what any write may (WRITE_DEPTH in a mutation or action, or
 * in another member of the body) from its bytes, before anything decodes or parses it: V8's
 * JSON.parse took about 2 s over 1,000,000 nested brackets, on the event loop for a body up to
 * READ_ON_THREAD_BYTES. The refusals are checkBodyDepth's, naming the mutation or action and its
 * document; what passes is still checked when parsed (a created document's 100 levels).
 */
export function refuseDeepWriteBody(bytes: Uint8Array, field: WriteField): void {
  // The list of writes adds a level to each.
  const deep = tooDeepMember(bytes, WRITE_DEPTH, 0, (member) =>
    member === field ? WRITE_DEPTH + 1 : WRITE_DEPTH,
  )
  if (deep === null) return
  if (deep.member === null) {
    const start = bytes.findIndex((b) => b === 0x7b || b === 0x5b)
    if (bytes[start] === 0x5b) throw new BadRequestError(`Body must be an object with "${field}"`)
    throw new BadRequestError(
      `The body nests arrays or objects more than ${WRITE_DEPTH} deep; nothing was written: ` +
        'send it as the API describes it',
    )
  }
  if (deep.member !== field) throw memberTooDeep(deep.member)
  // A list's item, or the one write given alone.
  const write = bytes[deep.at] === 0x5b ? tooDeepMember(bytes, WRITE_DEPTH, deep.at) : null
  const at = write?.at ?? deep.at
  const index = write?.index ?? 0
  // Its document's id, from the write with everything past its operation's level cut away.
  let id = ''
  try {
    const text = shallowText(bytes, at, 2)
    if (text !== null) id = writeDocumentId(JSON.parse(text))
  } catch {
    // Not JSON: named by its index alone.
  }
  throw writeTooDeep(id, index, field === 'actions' ? 'actionError' : 'mutationError')
}

function memberTooDeep(key: string): InstanceType<typeof BadRequestError> {
  return new BadRequestError(
    `"${key.slice(0, 64)}" in the body nests arrays or objects more than ${WRITE_DEPTH} deep; ` +
      'nothing was written: send it as the API describes it',
  )
}

/**
 * The heap a JSON text takes once parsed, over-estimated: 64 bytes for every `{`, `[` or `,`
 * outside strings (and one for the text's first value), 2 for every character (a string's UTF-16).
 * V8 keeps about 67 bytes an empty object in an array, 10 a small integer (Node 24, measured); an
 * empty object here is two (its brace and its comma), 134 bytes with its text.
 */
export function parsedHeapEstimate(text: string): number {
  let values = 1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      // After a backslash the next character is escaped: skipped.
      if (code === 0x5c) i++
      else if (code === 0x22) inString = false
    } else if (code === 0x22) inString = true
    else if (code === 0x7b || code === 0x5b || code === 0x2c) values++
  }
  return values * 64 + text.length * 2
}

/** A parsed write request's body: an object carrying `field`, within the transaction's size. */
export function checkWriteBody(body: unknown, field: WriteField): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(`Body must be an object with "${field}"`)
  }
  const record = body as Record<string, unknown>
  // The count first: it reads only the list's length, the depth's walk reads every value.
  checkTransactionSize(field, record[field])
  checkBodyDepth(record, field)
  // Typed, as hosted Sanity decodes it: anything but `true` was read as false, so a caller's
  // "yes" or 1 stored the write it meant to try.
  const {dryRun} = record
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') {
    throw new BadRequestError(
      `"dryRun" in the body must be true or false, not ${JSON.stringify(dryRun)?.slice(0, 64)}: ` +
        'nothing was written; send {"dryRun": true} to try the write without storing it',
    )
  }
  return record
}

/** The operations of a mutation that carry a whole document (checkDocumentDepth walks it). */
const CREATES = new Set(['create', 'createOrReplace', 'createIfNotExists'])

/**
 * Refuses a body nesting objects and arrays deeper than any write may (WRITE_DEPTH), before
 * anything reads it: the rest of the lake walks a body's values recursively. The documents that
 * mutations create are left to their own check (checkDocumentDepth, the first to read them), so
 * that a bulk load's batch is walked once.
 */
function checkBodyDepth(record: Record<string, unknown>, field: WriteField): void {
  for (const [key, value] of Object.entries(record)) {
    if (key === field || !nestsDeeperThan(value, WRITE_DEPTH)) continue
    throw memberTooDeep(key)
  }
  const entries = record[field]
  const list = Array.isArray(entries) ? entries : [entries]
  const errorType = field === 'actions' ? 'actionError' : 'mutationError'
  for (const [index, entry] of list.entries()) {
    if (typeof entry !== 'object' || entry === null) continue
    if (field === 'actions') {
      checkWriteDepth(entry, index, errorType)
      continue
    }
    for (const [kind, operation] of Object.entries(entry)) {
      if (!CREATES.has(kind)) checkWriteDepth(operation, index, errorType, writeDocumentId(entry))
    }
  }
}

/** What the route needs of a body read on a write thread (readWriteBody, then writeBodyHead). */
export interface WriteBodyHead {
  transactionId: unknown
  /** `dryRun: true` in the body. */
  dryRun: boolean
  /** The documents its writes name (their queries' matches are added once matched). */
  ids: string[]
  /** The mutations' queries, to be matched before the build. */
  queries: MutationQuery[]
  /** Thrown by mutationQueries (a malformed mutation): the route throws it where it matches. */
  malformed: unknown
}

export function writeBodyHead(body: Record<string, unknown>, field: WriteField): WriteBodyHead {
  const head: WriteBodyHead = {
    transactionId: body.transactionId,
    dryRun: body.dryRun === true,
    ids: [],
    queries: [],
    malformed: null,
  }
  if (field === 'mutations') {
    try {
      head.queries = mutationQueries(body.mutations)
    } catch (err) {
      head.malformed = err
    }
  }
  const writes: Writes =
    field === 'actions'
      ? {kind: 'actions', actions: body.actions}
      : {kind: 'mutations', mutations: body.mutations}
  head.ids = [...writeWalks(writes).keys()]
  return head
}

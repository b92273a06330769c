/**
 * What a route needs of a request, read from Node's own request where the lake is served by
 * @hono/node-server. Its lightweight Request becomes a real one (undici's, with a web stream over
 * the body and an AbortController) the first time a route reads the body or the signal through
 * it: about a tenth of a millisecond of CPU, as much as a lookup by id costs the store. In process
 * (app.request, tests) there is no Node request and the Request is used as it is.
 */
import {isUtf8} from 'node:buffer'
import {IncomingMessage, type ServerResponse} from 'node:http'
import {constants as http2Constants, type Http2Stream} from 'node:http2'
import type {Context} from 'hono'
import {BadRequestError, formatMs, notUtf8Error, RequestTimeoutError} from '../core/errors.ts'
import {LIMITS} from '../core/limits.ts'
import {parsedHeapEstimate} from '../core/writes.ts'
import type {BodyMemory} from './bodyMemory.ts'

interface NodeBindings {
  incoming: IncomingMessage
  outgoing: ServerResponse
}

function nodeOf(c: Context): NodeBindings | null {
  const env = c.env as Partial<NodeBindings> | undefined
  return env?.incoming && env.outgoing ? (env as NodeBindings) : null
}

/**
 * The body's declared length when it has one and no transfer coding (then Node delivers at most
 * that many bytes), else null.
 */
export function declaredLength(c: Context): number | null {
  const incoming = nodeOf(c)?.incoming
  return incoming ? declaredOf(incoming) : null
}

function declaredOf(incoming: IncomingMessage): number | null {
  if (incoming.headers['transfer-encoding'] !== undefined) return null
  const length = incoming.headers['content-length']
  return length === undefined ? null : parseInt(length, 10) || 0
}

/**
 * Whether the request may carry a body: a declared length past 0, else a transfer coding over
 * HTTP/1.1, or over HTTP/2 a stream its headers did not end (it may send one without a length).
 */
export function hasBody(c: Context): boolean {
  const incoming = nodeOf(c)?.incoming
  if (!incoming) return c.req.raw.body !== null
  const declared = declaredOf(incoming)
  if (declared !== null) return declared > 0
  const stream = (incoming as unknown as {stream?: Http2Stream}).stream
  return stream !== undefined
    ? !stream.endAfterHeaders
    : incoming.headers['transfer-encoding'] !== undefined
}

/**
 * A body that ended short of its declared length, as an error, else null. HTTP/1.1's parser never
 * ends one early; over HTTP/2 a stream may end (END_STREAM) before it, and Node ends the request
 * as a whole one while nghttp2 resets the stream (PROTOCOL_ERROR): the lake stored such a write or
 * upload, its client told it failed. Nothing of it is used.
 */
function endedShort(incoming: IncomingMessage, received: number): Error | null {
  const declared = declaredOf(incoming)
  if (declared === null || received >= declared) return null
  return new BadRequestError(
    `The request body ended after ${received} of the ${declared} bytes its content-length declared; nothing of it was used: send a content-length that is the body's length`,
  )
}

/**
 * The body parsed as JSON, as `c.req.json()` would (UTF-8, a leading BOM dropped; a SyntaxError
 * for bad JSON). Read straight from Node's request when its length was declared, which the body
 * limit checked without reading it (limits.ts). `check` is given the bytes before they are
 * decoded, and throws to refuse them.
 */
export async function jsonBody<T>(c: Context, check?: (bytes: Uint8Array) => void): Promise<T> {
  return (await sizedJsonBody<T>(c, null, check)).value
}

/**
 * How a body must arrive once the lake begins to read it, else a RequestTimeoutError (a 408) and
 * the rest left unread: all of it within `withinMs`, and at least `windowBytes` in every
 * `windowMs` until it ends (a write's: LIMITS.bodyArrival). Sent a byte at a time, a body held
 * its request, its memory and its stream or connection for as long as its sender liked.
 */
export interface BodyArrival {
  withinMs: number
  /** What `withinMs` is and how to meet it, after the 408's "did not arrive within …". */
  within: string
  windowMs: number
  /** 0: no least rate, only `withinMs`. */
  windowBytes: number
}

/** A query's body: within the query deadline. */
export function queryArrival(deadlineMs: number): BodyArrival {
  return {
    withinMs: deadlineMs,
    within: '(the query deadline, --query-timeout); send it at once, or a smaller one',
    windowMs: Infinity,
    windowBytes: 0,
  }
}

/**
 * Every other body's (a write's, an upload's, a sign-in form's): LIMITS.bodyArrival's least pace
 * (`pace` overrides it), all of it within `writeDeadlines` × the write deadline.
 */
export function writeArrival(
  writeTimeoutMs: number,
  pace: Partial<Pick<BodyArrival, 'windowMs' | 'windowBytes'>> = {},
): BodyArrival {
  const {windowMs, windowBytes, writeDeadlines} = {...LIMITS.bodyArrival, ...pace}
  return {
    withinMs: writeDeadlines * writeTimeoutMs,
    within:
      `(${writeDeadlines} × the write deadline, --write-timeout); nothing of it was done: send ` +
      'less per request, a large file over a faster connection, or raise --write-timeout',
    windowMs,
    windowBytes,
  }
}

/**
 * Counts a body's bytes as they arrive against `arrival`, and calls `refuse` once it falls short
 * (never after `stop`). Judged after the event loop's next poll for input, not by the timer alone:
 * an event loop held past a window runs its timers before it reads what arrived meanwhile.
 */
function watchArrival(
  arrival: BodyArrival | null,
  refuse: (err: Error) => void,
): {add(bytes: number): void; stop(): void} {
  if (arrival === null || arrival.withinMs === Infinity) return {add() {}, stop() {}}
  const {withinMs, windowMs, windowBytes} = arrival
  const started = Date.now()
  let inWindow = 0
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const judge = () => {
    if (stopped) return
    const elapsed = Date.now() - started
    // A timer may fire a millisecond early.
    if (elapsed >= withinMs - 1) {
      refuse(
        new RequestTimeoutError(
          `The request's body did not arrive within ${formatMs(withinMs)} ${arrival.within}`,
        ),
      )
    } else if (inWindow < windowBytes) {
      refuse(
        new RequestTimeoutError(
          `The request's body arrived at less than ${formatBytes(windowBytes)} in ${formatMs(windowMs)}, ` +
            'the least the lake waits for while a body is sent; nothing of it was done: send it ' +
            'at once, or over a faster connection, and try again',
        ),
      )
    } else {
      inWindow = 0
      next(Math.min(windowMs, withinMs - elapsed))
    }
  }
  const next = (ms: number) => (timer = setTimeout(() => setImmediate(judge), ms))
  next(Math.min(windowMs, withinMs))
  return {
    add(bytes) {
      inWindow += bytes
    },
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}

function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`
}

/** How a route counts a body sent without a declared length (a chunked one) against its limit. */
export interface StreamedLimit {
  maxBytes: number
  /** Throws the 413. */
  refuse(): never
}

/**
 * Whether the route itself reads the body as it streams (no declared length, a Node request not
 * yet read), counting it against its limit (writeBody): then the body limit's middleware leaves
 * it unread.
 */
export function streamsFromNode(c: Context): boolean {
  const node = nodeOf(c)
  return node !== null && untouched(node) && declaredLength(c) === null
}

/**
 * A write's body: parsed as sizedJsonBody parses it, or, past `over` bytes, those bytes in a
 * SharedArrayBuffer, which threads read without a copy: a write's body is then read and built on
 * a write thread (core/writes.ts), never joined, decoded or parsed on the event loop. A declared
 * length tells at once; a body sent without one (chunked) is counted as it arrives, against
 * `limit` (the limit's middleware left it unread: streamsFromNode), and copied into shared memory
 * once it passes `over`. The shared memory comes from `memory` in growing steps (SharedBody).
 * `check` is given the bytes of a body parsed here before they are decoded, and throws to refuse
 * them (a body nesting too deep to parse: core/writes.ts refuseDeepWriteBody), or answers true
 * for a body the event loop should not parse either (many patch paths: writeRequest.ts), whose
 * bytes are then given back as a large body's are, to be read on a write thread.
 */
export async function writeBody(
  c: Context,
  over: number,
  limit: StreamedLimit,
  memory: BodySource,
  arrival: BodyArrival,
  check?: (bytes: Uint8Array) => boolean | void,
): Promise<{shared: Uint8Array} | {value: unknown; length: number}> {
  const node = nodeOf(c)
  let bytes: Buffer
  if (!node || !untouched(node) || declaredLength(c) === null) {
    const body =
      node && untouched(node)
        ? await streamedBody(node.incoming, over, limit, memory, arrival)
        : Buffer.from(await c.req.arrayBuffer())
    if (!(body instanceof Buffer)) return {shared: body}
    bytes = body
  } else {
    const declared = declaredLength(c)!
    if (declared > over) return {shared: await sharedBody(node.incoming, declared, memory, arrival)}
    bytes = await readAll(node.incoming, arrival)
  }
  if (check?.(bytes) === true) {
    // In shared memory, as a large body's: the read and the build's threads take it uncopied.
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length))
    shared.set(bytes)
    return {shared}
  }
  return parseJsonBytes(bytes)
}

/** The body of a declared length, put in shared memory as it arrives. */
async function sharedBody(
  incoming: IncomingMessage,
  length: number,
  memory: BodySource,
  arrival: BodyArrival,
): Promise<Uint8Array> {
  const body = new SharedBody(length, memory)
  try {
    await readChunks(incoming, arrival, (chunk) => {
      // Node delivers at most the declared length.
      body.add(
        chunk.length > length - body.received ? chunk.subarray(0, length - body.received) : chunk,
      )
    })
  } catch (err) {
    body.drop()
    throw err
  }
  return body.end()
}

/**
 * A body of no declared length: its chunks joined when it ends within `over` bytes, else its bytes
 * in shared memory, the chunks copied in as they come (a 20 MB body sent chunked was joined,
 * decoded and parsed on the event loop, 1-2 s, and its parsed mutations cloned to the write
 * thread). Each chunk is given to `count` before it is held (a query's, countedJsonBody), which
 * throws to refuse it. Past `limit.maxBytes`, the 413; at either, nothing more is read. Arriving
 * slower than `arrival`: a RequestTimeoutError, nothing more read.
 */
async function streamedBody(
  incoming: IncomingMessage,
  over: number,
  limit: StreamedLimit,
  memory: BodySource | null,
  arrival: BodyArrival,
  count?: (bytes: number) => void,
): Promise<Buffer | Uint8Array> {
  const chunks: Buffer[] = []
  let length = 0
  let shared: SharedBody | null = null
  let refused: unknown = null
  const read = readChunks(incoming, arrival, (chunk) => {
    if (length + chunk.length > limit.maxBytes) refused = limit
    else {
      try {
        count?.(chunk.length)
      } catch (err) {
        refused = err
      }
    }
    if (refused !== null) return false
    length += chunk.length
    if (shared !== null) shared.add(chunk)
    else if (length <= over || memory === null) chunks.push(chunk)
    else {
      shared = new SharedBody(limit.maxBytes, memory)
      for (const held of chunks.splice(0)) shared.add(held)
      shared.add(chunk)
    }
  })
  try {
    await read
    if (refused === limit) limit.refuse()
    if (refused !== null) throw refused
  } catch (err) {
    ;(shared as SharedBody | null)?.drop()
    throw err
  }
  if (shared === null) return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
  return (shared as SharedBody).end()
}

/** Where a large body's shared memory comes from (bodyMemory.ts; tests give their own). */
type BodySource = Pick<BodyMemory, 'allocate'> & Partial<Pick<BodyMemory, 'abandoned'>>

/** Bytes of a large body held as they arrived before shared memory is asked for (SharedBody). */
const HOLD_BYTES = 1024 * 1024

/** The least first step of a large body's shared memory (SharedBody), or all of it when less. */
const FIRST_STEP_BYTES = 4 * 1024 * 1024

/**
 * A large body's bytes gathered into shared memory as they arrive, the memory asked of `memory`
 * (allocated and touched on a thread: bodyMemory.ts) in growing steps, none past `cap` (the
 * declared length, or the limit): nothing until HOLD_BYTES have arrived (the chunks wait as they
 * are), then FIRST_STEP_BYTES or twice what arrived, then twice the last step or twice what
 * arrived, asked for once half the last has arrived, the bytes so far copied over into it (touched
 * memory: 20 MB in a few ms). So the event loop writes no fresh page, and a client holds at most
 * about four times what it sent: 900 connections that declared 41 MB and sent 4 bytes each
 * reserved 35 GB of address space when each got its declared length at once.
 */
class SharedBody {
  /** Bytes added so far. */
  received = 0
  private memory: Uint8Array | null = null
  /** Bytes of `received` already in `memory`, the rest in `waiting`. */
  private copied = 0
  private readonly waiting: Buffer[] = []
  private asked: Promise<void> | null = null
  /** The read failed (the client went, a 408, a 413): nothing more is kept. */
  private dropped = false
  private readonly cap: number
  private readonly source: BodySource

  constructor(cap: number, source: BodySource) {
    this.cap = cap
    this.source = source
  }

  add(chunk: Buffer): void {
    if (this.dropped) return
    this.received += chunk.length
    this.waiting.push(chunk)
    this.copyWaiting()
    this.askForMore(false)
  }

  /**
   * The body will not be used: its memory and chunks let go of, and told to the source (which
   * has them collected: bodyMemory.ts abandoned), as is memory that comes after.
   */
  drop(): void {
    if (this.dropped) return
    this.dropped = true
    this.source.abandoned?.((this.memory?.length ?? 0) + this.received)
    this.memory = null
    this.waiting.length = 0
  }

  /** The bytes, once there was room for all of them. */
  async end(): Promise<Uint8Array> {
    while (this.copied < this.received) {
      this.askForMore(true)
      if (this.asked === null) throw new Error('A body past the memory it may take')
      await this.asked
    }
    if (this.memory === null) return new Uint8Array(new SharedArrayBuffer(0))
    return this.copied === this.memory.length ? this.memory : this.memory.subarray(0, this.copied)
  }

  private copyWaiting(): void {
    const memory = this.memory
    if (memory === null) return
    let i = 0
    for (; i < this.waiting.length; i++) {
      const chunk = this.waiting[i]
      if (this.copied + chunk.length > memory.length) break
      memory.set(chunk, this.copied)
      this.copied += chunk.length
    }
    this.waiting.splice(0, i)
  }

  /** `ended`: the body is all here, so what it needs is known. */
  private askForMore(ended: boolean): void {
    const size = this.memory?.length ?? 0
    if (this.asked !== null || size >= this.cap || this.received <= size / 2) return
    if (size === 0 && this.received < HOLD_BYTES && !ended) return
    const wanted = ended ? this.received : Math.max(2 * size, 2 * this.received, FIRST_STEP_BYTES)
    // A failure to allocate (out of memory) fails the read, as it did on the event loop.
    this.asked = this.source.allocate(Math.min(this.cap, wanted)).then((shared) => {
      if (this.dropped) {
        this.source.abandoned?.(shared.byteLength)
        return
      }
      const memory = new Uint8Array(shared)
      if (this.memory !== null) memory.set(this.memory.subarray(0, this.copied))
      this.memory = memory
      this.asked = null
      this.copyWaiting()
      this.askForMore(false)
    })
    // Heard by end(); a body whose client went meanwhile never asks for it.
    this.asked.catch(() => undefined)
  }
}

/**
 * A query's body, its bytes counted by `count` (lake/http/queryRequests.ts) before they are held: a
 * declared length at once, before any is read; a body of no declared length chunk by chunk as it
 * arrives, against `limit` too (the limit's middleware left it unread: streamsFromNode). `count`
 * throws to refuse, and no more of the body is read. In process the body is counted once read. Not
 * all here within `arrival` (the query deadline: queryArrival): a RequestTimeoutError, the rest
 * unread.
 */
export async function countedBody(
  c: Context,
  limit: StreamedLimit,
  count: (bytes: number) => void,
  arrival: BodyArrival,
): Promise<Buffer> {
  const node = nodeOf(c)
  if (!node || !untouched(node)) {
    const bytes = Buffer.from(await c.req.arrayBuffer())
    count(bytes.length)
    return bytes
  }
  const declared = declaredLength(c)
  if (declared !== null) count(declared)
  // Joined, whatever its length (no shared memory): a query's body is read here.
  return declared !== null
    ? readAll(node.incoming, arrival)
    : ((await streamedBody(node.incoming, Infinity, limit, null, arrival, count)) as Buffer)
}

/**
 * A countedBody parsed as JSON, `count` told first the heap its parse will take beyond its bytes
 * (parsedHeapEstimate: a list of small values takes some 64 bytes each).
 */
export async function countedJson<T>(bytes: Buffer, count: (bytes: number) => void): Promise<T> {
  return (await parseJsonBytes<T>(bytes, count)).value
}

/**
 * jsonBody's value and the length of its JSON text (what a write weighs, core/writes.ts); read at
 * `arrival`'s pace when the route reads it from Node's request (else the limit's middleware read it).
 * `check`, when given, is given the bytes before they are decoded, and throws to refuse them.
 */
export async function sizedJsonBody<T>(
  c: Context,
  arrival: BodyArrival | null = null,
  check?: (bytes: Uint8Array) => void,
): Promise<{value: T; length: number}> {
  const node = nodeOf(c)
  const bytes =
    !node || !untouched(node) || declaredLength(c) === null
      ? Buffer.from(await c.req.arrayBuffer())
      : await readAll(node.incoming, arrival)
  return parseJsonBytes<T>(bytes, undefined, check)
}

/**
 * The whole body of a route that does not read it as it streams (limits.ts), read here at
 * `arrival`'s pace and against `limit`, then given back to the route as its Request's body (as
 * hono's body limit does), or null when there is no Node request to read (in process) or it was
 * read already.
 */
export async function wholeBody(
  c: Context,
  limit: StreamedLimit,
  arrival: BodyArrival,
): Promise<Uint8Array | null> {
  const node = nodeOf(c)
  if (!node || !untouched(node)) return null
  return declaredLength(c) !== null
    ? readAll(node.incoming, arrival)
    : ((await streamedBody(node.incoming, Infinity, limit, null, arrival)) as Buffer)
}

/**
 * A body streamed on (an upload's, to its file) as it arrives at `arrival`'s pace: falling short,
 * the stream errs with the RequestTimeoutError and the rest is left unread (Node's request is
 * paused, never destroyed: that would end the connection before the 408). Read, and watched, only
 * once and while its reader asks for more (a route that refuses first never starts the watch). In
 * process, the Request's own body.
 */
export function arrivingBody(c: Context, arrival: BodyArrival): ReadableStream<Uint8Array> | null {
  const node = nodeOf(c)
  if (!node || !untouched(node)) return c.req.raw.body
  const {incoming} = node
  let detach: (() => void) | null = null
  const begin = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const fail = (err: Error) => {
      detach?.()
      incoming.pause()
      controller.error(err)
    }
    const watch = watchArrival(arrival, fail)
    let received = 0
    const onData = (chunk: Buffer) => {
      watch.add(chunk.length)
      received += chunk.length
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))
      if ((controller.desiredSize ?? 0) <= 0) incoming.pause()
    }
    const onEnd = () => {
      const short = endedShort(incoming, received)
      if (short) return fail(short)
      detach?.()
      controller.close()
    }
    const onClose = () => (incoming.complete ? onEnd() : fail(prematureClose()))
    detach = () => {
      watch.stop()
      incoming.off('data', onData).off('end', onEnd).off('error', fail).off('close', onClose)
    }
    incoming.on('data', onData).once('end', onEnd).once('error', fail).once('close', onClose)
  }
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (detach === null) {
          // Gone before the route began to read: 'close' was emitted already.
          if (incoming.destroyed) return controller.error(prematureClose())
          begin(controller)
        }
        incoming.resume()
      },
      cancel() {
        detach?.()
        incoming.pause()
      },
    },
    // Pulled only as its reader reads: nothing is read before the route's checks.
    {highWaterMark: 0},
  )
}

/**
 * A body's bytes decoded and parsed as c.req.json() does. `count`, when given, is told the heap
 * the parse will take beyond the bytes before it begins, and throws to refuse (countedJsonBody);
 * `check` is given the bytes first, and throws to refuse them.
 */
async function parseJsonBytes<T>(
  bytes: Buffer,
  count?: (bytes: number) => void,
  check?: (bytes: Uint8Array) => void,
): Promise<{value: T; length: number}> {
  // A large body (a 27 MB document) is joined, decoded and parsed in three turns of the event
  // loop, not one: each took 0.1-1.7 s at load 13-16, and others are answered in between.
  if (bytes.length >= LARGE_BODY_BYTES) await new Promise((resolve) => setImmediate(resolve))
  check?.(bytes)
  const text = decodeUtf8(bytes)
  if (count) {
    const heap = parsedHeapEstimate(text)
    if (heap > bytes.length) count(heap - bytes.length)
  }
  if (bytes.length >= LARGE_BODY_BYTES) await new Promise((resolve) => setImmediate(resolve))
  return {value: JSON.parse(text) as T, length: text.length}
}

const LARGE_BODY_BYTES = 1 << 20

/**
 * Decodes as `c.req.json()` does (TextDecoder's UTF-8, a leading BOM dropped), but refuses bytes
 * UTF-8 does not allow (notUtf8Error) where it would replace them. Buffer's decoder took a 1.9 MB
 * Bengali batch in a quarter to a half of TextDecoder's time; isUtf8 (simdutf) checks it first.
 */
export function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw notUtf8Error()
  const text = bytes.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/**
 * Whether nothing started reading the body: once anything did (a Request made from it reads
 * through a web stream), it is read that way to the end.
 */
function untouched(node: NodeBindings): boolean {
  return !node.incoming.readableDidRead && node.incoming.readableFlowing === null
}

/** The rest of a request's body, joined; at `arrival`'s pace (else a RequestTimeoutError). */
async function readAll(incoming: IncomingMessage, arrival: BodyArrival | null): Promise<Buffer> {
  // Node parses a socket's bytes past a request's headers only once the request's microtasks
  // have run (the route's first awaits, the token's check among them): a body that came with its
  // headers (a one-document write's) has arrived whole a turn of the loop later, cheaper to wait
  // for than to watch (a timer, four listeners and the stream's flow a request).
  // HTTP/1's `complete` only: HTTP/2's stays false until its body is read (and is true of a reset
  // stream), so an HTTP/2 body is read as it streams, without the turn.
  const http1 = incoming instanceof IncomingMessage
  if (http1 && !incoming.complete) await new Promise((resolve) => setImmediate(resolve))
  // Arrived whole: taken as it is, with no watch of its pace, no timer and no listeners.
  if (http1 && incoming.complete && !incoming.destroyed) {
    return (incoming.read() as Buffer | null) ?? Buffer.alloc(0)
  }
  const chunks: Buffer[] = []
  await readChunks(incoming, arrival, (chunk) => {
    chunks.push(chunk)
  })
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
}

/**
 * The rest of a request's body, chunk by chunk, until its end or until `onData` returns false
 * (then the request is paused, the rest left unread). Events rather than `for await`: an async
 * iterator over the stream cost a one-document write more than reading its body. Arriving slower
 * than `arrival` allows (watchArrival): paused, the rest left unread, a RequestTimeoutError.
 */
function readChunks(
  incoming: IncomingMessage,
  arrival: BodyArrival | null,
  onData: (chunk: Buffer) => void | false,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Gone before the route began to read (it awaited a token's first check, say): 'close' was
    // emitted already and would not come again, so the read would never end.
    if (incoming.destroyed) {
      reject(prematureClose())
      return
    }
    const watch = watchArrival(arrival, (err) => {
      incoming.pause()
      done(err)
    })
    let received = 0
    const done = (err?: Error) => {
      watch.stop()
      incoming.off('data', onChunk).off('end', onEnd).off('error', done).off('close', onClose)
      if (err) reject(err)
      else resolve()
    }
    const onChunk = (chunk: Buffer) => {
      watch.add(chunk.length)
      received += chunk.length
      if (onData(chunk) !== false) return
      incoming.pause()
      done()
    }
    const onEnd = () => done(endedShort(incoming, received) ?? undefined)
    // Closed before its end: the client went mid-body (as the async iterator reported it). An
    // HTTP/2 request is `complete` once its stream is reset too, so what arrived is checked.
    const onClose = () => (incoming.complete ? onEnd() : done(prematureClose()))
    incoming.on('data', onChunk).once('end', onEnd).once('error', done).once('close', onClose)
  })
}

/**
 * A 400 for a body in a transfer coding other than chunked (`gzip, chunked`): Node takes it apart
 * only as chunked, and the lake used the still-coded bytes as the body (a JSON one that was never
 * gzipped was stored). RFC 9112 lets a server refuse a coding it does not know.
 */
export function checkTransferCoding(c: Context): void {
  const coding = requestHeader(c, 'transfer-encoding')
  if (coding === undefined || coding.toLowerCase() === 'chunked') return
  throw new BadRequestError(
    `Transfer-Encoding "${coding}" is not supported: send the body with chunked alone or with a Content-Length`,
  )
}

/**
 * A request header as `c.req.header(name)` gives it (each field's value without surrounding
 * whitespace, repeated fields joined with ", "), read from Node's raw header list: the first
 * `c.req.header()` makes a Headers object of every field of the request, which with the response's
 * cost a one-document write about 1 % of its CPU. `name` in lower case.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = nodeOf(c)?.incoming
  if (!incoming) return c.req.header(name)
  const raw = incoming.rawHeaders
  let value: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]
    if (key.length !== name.length || key.toLowerCase() !== name) continue
    const field = raw[i + 1].replace(HTTP_WHITESPACE, '')
    value = value === undefined ? field : `${value}, ${field}`
  }
  return value
}

/** What the Fetch standard strips from either end of a header's value. */
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g

/**
 * Node's response of this request while its head is unwritten, else null (in process, or once
 * sent). @hono/node-server writes the head with `writeHead(status, headers)`, which adds the
 * response's headers to those set here (the response's win where both name one).
 */
export function unsentResponse(c: Context): Pick<ServerResponse, 'setHeader'> | null {
  const outgoing = nodeOf(c)?.outgoing
  return outgoing && !outgoing.headersSent ? outgoing : null
}

/**
 * Resolves once the answer has been sent (handed to the socket, or to nghttp2 within its stream's
 * window) or its connection or stream has closed; null when there is no Node response (in
 * process). At once when the response has finished or closed already: the answer budget asks once
 * an answer is built, after its client may have gone.
 */
export function whenAnswered(c: Context): Promise<void> | null {
  const outgoing = nodeOf(c)?.outgoing
  if (!outgoing) return null
  // 'finish' and 'close' fire once: waiting for them after they passed held the bytes for good.
  if (outgoing.writableFinished || closedAlready(outgoing)) return Promise.resolve()
  return new Promise((resolve) => {
    const once = () => {
      outgoing.off('finish', once).off('close', once)
      resolve()
    }
    outgoing.once('finish', once).once('close', once)
  })
}

/**
 * Resolves once the request's body has all arrived ('end', read by its route), or never will (the
 * request closed or failed: a client gone, a stream reset, a refusal that left it unread and
 * answered); null in process.
 */
export function whenBodyDone(c: Context): Promise<void> | null {
  const incoming = nodeOf(c)?.incoming
  if (!incoming) return null
  if (incoming.readableEnded || incoming.destroyed || incoming.complete) return Promise.resolve()
  return new Promise((resolve) => {
    const once = () => {
      incoming.off('end', once).off('close', once).off('error', once)
      resolve()
    }
    incoming.once('end', once).once('close', once).once('error', once)
  })
}

/** Aborted when the client goes before the answer was sent, as @hono/node-server's request's. */
export function requestSignal(c: Context): AbortSignal {
  const node = nodeOf(c)
  if (!node) return c.req.raw.signal
  const {incoming, outgoing} = node
  const controller = new AbortController()
  const closed = () => {
    if (incoming.errored) controller.abort(incoming.errored.toString())
    else if (!outgoing.writableFinished) controller.abort('Client connection prematurely closed.')
  }
  // Asked after a route's awaits, the client may be gone already: 'close' fired once, before.
  if (closedAlready(outgoing)) closed()
  else outgoing.once('close', closed)
  return controller.signal
}

/** Whether Node's response (HTTP/1.1's, or HTTP/2's over its stream) has closed. */
function closedAlready(outgoing: NodeBindings['outgoing']): boolean {
  const state = outgoing as {
    destroyed?: boolean
    closed?: boolean
    stream?: {closed?: boolean; destroyed?: boolean}
  }
  return Boolean(state.destroyed || state.closed || state.stream?.closed || state.stream?.destroyed)
}

/**
 * An error answered while the request's body is still arriving (refused before it was read):
 * nothing more of it will be read. Over HTTP/2 the stream is reset with NO_ERROR once the answer
 * is sent (RFC 9113 8.1: the client stops sending, and keeps the answer): left open, 392 refused
 * 1 MB queries' streams stayed open about 80 s longer, the lake holding each one's unread data
 * and the client its body. Over HTTP/1.1 the answer says `connection: close`: the Node adapter
 * stops draining an unread body after 500 ms by closing the socket, and a keep-alive client would
 * send its next request on the dying connection.
 */
export function endUnreadBody(c: Context, res: Response): void {
  const node = nodeOf(c)
  if (!node || node.incoming.complete) return
  const stream = (node.incoming as unknown as {stream?: Http2Stream}).stream
  if (stream === undefined) res.headers.set('connection', 'close')
  else node.outgoing.once('finish', () => stream.close(http2Constants.NGHTTP2_NO_ERROR))
}

/** As Node's stream utilities report a stream that closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), {code: 'ERR_STREAM_PREMATURE_CLOSE'})
}

/**
 * One GROQ query over one dataset's store, as a principal sees it: parse, plan, load the view
 * through the perspective and read permissions, evaluate. The same code runs in the query workers.
 */
import {createHash} from 'node:crypto'
import type {ExprNode} from 'groq-js'
import {QueryError, QueryMemoryError, QueryResultTooLargeError} from '../core/errors.ts'
import {tooDeepMember} from '../core/jsonDepth.ts'
import {checkQueryText, LIMITS, parameterTooDeep} from '../core/limits.ts'
import {parsedHeapEstimate} from '../core/writes.ts'
import {can, canReadAnything, canReadEverything, type Principal} from '../core/grants.ts'
import {parsePerspective, type Perspective} from '../core/perspective.ts'
import {decideBranches, planQuery, separateScans} from '../core/plan.ts'
import {evaluateQuery, releasesAsFilter} from '../core/query.ts'
import {parseGroq} from './parsing.ts'
import {scoreStage} from '../core/scoreTopK.ts'
import type {Store} from '../core/store.ts'
import {loadView, replaceNode} from '../core/view.ts'

export interface QueryRequest {
  query: string
  params: Record<string, unknown>
  /** As sent (`?perspective=` or the body's); parsed against apiVersion. */
  perspective?: string
  /** The `YYYY-MM-DD` (or `1`, `X`) of the request path: decides the default perspective. */
  apiVersion: string
}

/**
 * A request whose parameters are still the JSON text of their object (a large POST body's, as the
 * client sent it): parsed, checked and serialised on the query thread that runs it
 * (parseParamsText), so that the event loop never walks them.
 */
export type TextParamsRequest = Omit<QueryRequest, 'params'> & {paramsText: string}

/** A request as a route or the live API asks it: its parameters parsed or as text. */
export type QueryAsked = QueryRequest | TextParamsRequest

/**
 * A TextParamsRequest as a QueryRequest, and the parameters' JSON as JSON.stringify makes it
 * (what the live key is made of, so identical parameters written differently share it):
 * parsed and checked by checkQueryText as the event loop checks parsed ones. A text whose parse
 * would come near the thread's heap (`heapMb`) is refused unparsed (readWriteBody says why); one
 * that is not JSON throws NotJsonParams.
 */
export function parseParamsText(
  request: TextParamsRequest,
  principal: Principal,
  heapMb: number,
): {request: QueryRequest; paramsJson: string} {
  const {paramsText, ...rest} = request
  if (parsedHeapEstimate(paramsText) > (heapMb * 1024 * 1024) / 2) {
    throw new QueryMemoryError(heapMb)
  }
  // Before the parse, which took 10 s over 1,000,000 nested brackets (checkQueryText refused them
  // after it, on the event loop). A copy as UTF-8: one scan of JSON's bytes serves every body.
  const deep = tooDeepMember(new TextEncoder().encode(paramsText), LIMITS.query.nesting)
  if (deep !== null) {
    // An array's item, or a name that is not JSON: no object of parameters.
    if (deep.member === null) throw new NotJsonParams()
    throw parameterTooDeep(deep.member)
  }
  let params: unknown
  try {
    params = JSON.parse(paramsText)
  } catch {
    throw new NotJsonParams()
  }
  // The route found an object's brackets; their contents may still be another value's.
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new NotJsonParams()
  }
  const record = params as Record<string, unknown>
  const {paramsJson} = checkQueryText(rest.query, record, principal)
  return {request: {...rest, params: record}, paramsJson}
}

/** A request's parameters given as text that is not a JSON object: its body was not JSON. */
export class NotJsonParams extends Error {}

/**
 * A query's answer as JSON text, and the CPU its evaluation took on the thread that ran it (the
 * event loop's for one run in place, a worker's otherwise, both when it began in place): what the
 * question costs, whatever it waited for a thread or for the machine's other work.
 */
export interface QueryAnswer {
  /** The JSON text; a large one made on a thread as its UTF-8 bytes (answerBytes). */
  json: string | Uint8Array
  cpuMs: number
  /** answerHash of `json`, when made beside it on the thread. */
  hash?: string
  /** The request's parameters as JSON.stringify makes them, when its limits were checked. */
  paramsJson?: string
}

/** An answer as the live API is given it: its JSON, or the answer with its hash. */
export type AnswerText = string | Pick<QueryAnswer, 'json' | 'hash'>

/** What the live API compares answers by: SHA-256 of the JSON's UTF-8 bytes. */
export function answerHash(answer: AnswerText): string {
  if (typeof answer === 'string') return createHash('sha256').update(answer).digest('base64url')
  return answer.hash ?? createHash('sha256').update(answer.json).digest('base64url')
}

/**
 * Past this many characters a thread's answer crosses to the event loop as bytes with its hash
 * (answerBytes); under it a string, which costs the event loop less than a millisecond.
 */
export const ANSWER_AS_BYTES = 256 * 1024

/**
 * A thread's answer as the event loop needs it: the bytes it sends, moved (not copied) to it, and
 * the hash the live API keeps. Taken as a string, the event loop copied it, encoded it into bytes
 * and hashed it: a 400 MB answer held it for 2.1 s of CPU (pings waited up to 5.6 s, load 15).
 * Past `maxBytes` (the answer memory) a QueryResultTooLargeError (withinAnswerMemory).
 */
export function answerBytes(json: string, maxBytes = Infinity): {json: Uint8Array; hash: string} {
  // Measured once, before any byte is made (an answer past the answer memory is refused unmade),
  // and encoded into memory of exactly that length, moved whole: Buffer.from measured the text
  // again before it encoded it, a fifth of the encoding's time.
  const length = answerLength(json, maxBytes)
  const bytes = new Uint8Array(new ArrayBuffer(length))
  Buffer.from(bytes.buffer).write(json)
  return {json: bytes, hash: answerHash({json: bytes})}
}

/**
 * Counts the calling thread's CPU (user and system) from now; the function returned answers the
 * milliseconds used since.
 */
export function threadCpu(): () => number {
  const start = process.threadCpuUsage()
  return () => {
    const {user, system} = process.threadCpuUsage(start)
    return (user + system) / 1000
  }
}

export interface QueryEnvironment {
  /** The moment `now()` reads. */
  now: Date
  projectId: string
  dataset: string
}

export async function executeQuery(
  store: Store,
  request: QueryRequest,
  principal: Principal,
  environment: QueryEnvironment,
  /** The query already parsed (parseGroq of the request's query and params). */
  tree = parseGroq(request.query, request.params, principal),
): Promise<unknown> {
  const {query, params, apiVersion} = request
  const asked = parsePerspective(request.perspective, apiVersion)
  // An anonymous reader of a public dataset reads published documents only, so in a stack each
  // group shows it its published layer: the published view (`_originalId` too), which the planner
  // answers from its indexes. A stack's own selection would show layers it may not read.
  const perspective: Perspective =
    asked.kind === 'stack' && principal.publicReads === true && !canReadEverything(principal)
      ? {kind: 'published'}
      : asked
  const context = {
    params,
    identity: principal.id,
    now: environment.now,
    projectId: environment.projectId,
    dataset: environment.dataset,
  }
  // Whether the caller may read every document the view shows. Not an anonymous reader of a
  // public dataset, even in the published view: it shows documents under a sub-path
  // (`_.releases.…`) too, which no anonymous caller reads.
  const readsAll = canReadEverything(principal)
  // An anonymous caller of a private dataset reads nothing: its query answers as over no
  // documents, in any perspective, without reading any (the scan read every candidate only to
  // drop it, a stack's every body).
  const readsNone = !canReadAnything(principal)
  const run = async (tree: ExprNode): Promise<unknown> => {
    if (!readsNone) {
      // select(), coalesce() and conditional splats over `*`: the branches groq-js takes, decided
      // (each condition planned like any part); then a query of several `*` (a front page's object
      // of counts and slices): each part planned and evaluated alone, its value put in its place,
      // instead of every document read for the whole.
      tree = await decideBranches(tree, run)
      for (const part of separateScans(tree)) {
        tree = replaceNode(tree, part, {type: 'Value', value: await run(part)})
      }
    }
    // The Studio's ranked search scores a scan's documents as they come (core/scoreTopK.ts).
    const stage = scoreStage(tree)
    const view = readsNone
      ? {documents: [], dereference: () => null}
      : await loadView({
          store,
          perspective,
          apiVersion,
          plan: planQuery(tree),
          canRead: (id) => can(principal, 'read', id),
          readsAll,
          readsRootPath: principal.publicReads === true && perspective.kind === 'published',
          context,
          tree,
          sink: stage && !stage.readsDataset ? stage : undefined,
        })
    try {
      return await evaluateQuery(
        view.query ?? tree,
        view.documents,
        {...context, dereference: view.dereference},
        query,
      )
    } catch (err) {
      if (tooLarge(err)) throw new QueryResultTooLargeError()
      if (stackOverflow(err)) {
        throw new QueryError(
          'The query could not be evaluated: a value it compares is too large for the query engine ' +
            "(groq-js's `match` cannot split a word of more than about 3 million characters, a " +
            'pasted blob). Narrow the filter so that document is not compared (by _type, _id or ' +
            'another field), or compare another field',
          {cause: err},
        )
      }
      throw err
    }
  }
  return run(releasesAsFilter(tree))
}

/**
 * V8's stack overflow inside groq-js's evaluation: its `match` tokenizer, a regex, overflows on a
 * word of ~3.4 million characters (docs/search.md). Every run of the query over that document
 * would fail the same way, so it is the caller's to narrow, not a server fault.
 */
function stackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message === 'Maximum call stack size exceeded'
}

/** V8's refusal to build a string or array past its longest (a result that cannot be sent). */
function tooLarge(err: unknown): boolean {
  return err instanceof RangeError && /Invalid (string|array) length/.test(err.message)
}

/**
 * A result as the JSON text the route sends. Past V8's longest string JSON.stringify throws a
 * RangeError; that is the caller's query, so it becomes a QueryResultTooLargeError (a 400). So is
 * a text of more than `maxBytes` (UTF-8), the lake's answer memory (withinAnswerMemory).
 */
export function resultJson(result: unknown, maxBytes = Infinity): string {
  let json: string
  try {
    json = JSON.stringify(result) ?? 'null'
  } catch (err) {
    if (tooLarge(err)) throw new QueryResultTooLargeError()
    throw err
  }
  return withinAnswerMemory(json, maxBytes)
}

/**
 * `json`, unless its UTF-8 is more than `maxBytes`, the lake's answer memory: then refused on the
 * thread that made it, before the event loop receives it, copies it into bytes and hashes it for
 * the live API (seconds of its time for a 1.5 GB answer), only for the answer budget to refuse it
 * after all that with a 503 that @sanity/client retries. A text a thread sends as bytes is judged
 * by them instead (answerBytes).
 */
export function withinAnswerMemory(json: string, maxBytes: number): string {
  // A character is 1-3 bytes of UTF-8 (a surrogate pair 4 for two): counted only when it matters.
  if (json.length * 3 > maxBytes) answerLength(json, maxBytes)
  return json
}

/** The UTF-8 length of `json`, refused past `maxBytes` (without a count when its length is). */
function answerLength(json: string, maxBytes: number): number {
  if (json.length > maxBytes) throw answerTooLarge(json.length, maxBytes, true)
  const bytes = Buffer.byteLength(json)
  if (bytes > maxBytes) throw answerTooLarge(bytes, maxBytes)
  return bytes
}

/** An answer of `bytes` (at least, when `atLeast`) past the answer memory's `maxBytes`. */
function answerTooLarge(bytes: number, maxBytes: number, atLeast = false) {
  return new QueryResultTooLargeError(
    `The query result is ${atLeast ? 'more than ' : ''}${megabytes(bytes)} MB as JSON, ` +
      `more than the ${megabytes(maxBytes)} MB the lake holds for its answers (--answer-memory): ` +
      'slice the result (for example [0...100]) or project fewer fields, and page through the rest',
  )
}

const megabytes = (bytes: number) => Math.ceil(bytes / (1024 * 1024))

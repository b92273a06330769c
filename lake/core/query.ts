/** GROQ through groq-js: parse with parameters (for `[0...$limit]`), evaluate over a document view. */
import {evaluate, GroqSyntaxError, parse, type DereferenceFunction, type ExprNode} from 'groq-js'
import {BadRequestError, QueryError, QueryParseError} from './errors.ts'
import {visitTree} from './groqTree.ts'
import {CHAIN_OPERATORS, checkQueryDepth, checkQueryText} from './limits.ts'
import {createLru} from './lru.ts'
import {scoreTopK} from './scoreTopK.ts'
import {rewriteTextQueries, textQueryDereference, usesTextQuery} from './textQueryRewrite.ts'
import type {SanityDocument} from './types.ts'

export interface QueryContext {
  params?: Record<string, unknown>
  /** The caller's id, for `identity()`. */
  identity?: string
  now?: Date
  projectId?: string
  dataset?: string
  /** Resolves `->`; groq-js searches the given documents when absent. */
  dereference?: DereferenceFunction
}

/**
 * Parses a query; syntax errors become QueryParseError with a start/end range. A query past a limit
 * of LIMITS.query (checked before and after parsing), or one using a parameter that `params`
 * lacks, is a QueryError (groq-js would quietly read
 * a missing parameter as null, and answer a different question than the one asked).
 * `text::query()` matches are rewritten for evaluation (textQueryRewrite.ts).
 */
export function parseQuery(
  query: string,
  params: Record<string, unknown> = {},
  /** Whose query (checkQueryText); a cached tree was parsed within some caller's limit. */
  caller?: {kind: string},
): ExprNode {
  // A client asks the same questions again and again (a page's queries, a lookup with another
  // id): parsing is a pure function of the text and the parameters, so a parsed tree is reused.
  // Trees are never changed after parsing (the planner and the rewrite build new nodes).
  const key = parseKey(query, params)
  const cached = key === null ? undefined : parsed.get(key)
  if (cached) return cached
  const tree = parseUncached(query, params, caller)
  if (key !== null) parsed.set(key, tree)
  return tree
}

/**
 * Parsed trees by parseKey. A tree is about fifty times its text: the keys' 256 kB in all cap what
 * anyone, signed in or not, can make a thread keep (about 12 MB), whatever the number of entries.
 */
const parsed = createLru<string, ExprNode>({entries: 256, weight: 256 * 1024}, (key) => key.length)
/** Longer queries and parameters are parsed each time: the cache stays small. */
const PARSED_KEY_LIMIT = 8 * 1024

/**
 * Whether the parse cache holds `query` with `params`, without touching its order: for tests of
 * what was parsed (a count of entries stays the same once the cache is full, where a test file
 * runs after others in the same process).
 */
export function parseCached(query: string, params: Record<string, unknown> = {}): boolean {
  const key = parseKey(query, params)
  return key !== null && parsed.peek(key) !== undefined
}

/** What the parse cache holds: for tests of its bounds. */
export function parseCacheSize(): {entries: number; chars: number} {
  return {entries: parsed.size, chars: parsed.weight}
}

/**
 * The text and parameters as one string, or null to parse without the cache: when too long, or
 * when a parameter is not plain JSON (JSON.stringify would make `undefined`, -0, NaN or a Date
 * look like another value, and groq-js inlines parameters).
 */
function parseKey(query: string, params: Record<string, unknown>): string | null {
  if (query.length > PARSED_KEY_LIMIT || !isPlainJson(params, 0)) return null
  const json = JSON.stringify(params)
  return query.length + json.length > PARSED_KEY_LIMIT ? null : `${json}\n${query}`
}

/**
 * JSON.stringify([query, params, ...rest]) with the parameters' JSON given (checkQueryText's
 * paramsJson): 760 KB of them cost the event loop ~22 ms a serialisation, so a request makes it
 * once, and a question keeps the key (and sync tag) it had.
 */
export function requestKey(query: string, paramsJson: string, rest: unknown[]): string {
  const tail = rest.length === 0 ? ']' : `,${JSON.stringify(rest).slice(1)}`
  return `[${JSON.stringify(query)},${paramsJson}${tail}`
}

function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0)
  if (typeof value !== 'object' || depth > 32) return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false
    }
    return true
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false
  }
  return true
}

function parseUncached(
  query: string,
  params: Record<string, unknown>,
  caller?: {kind: string},
): ExprNode {
  checkQueryText(query, params, caller)
  let tree: ExprNode
  try {
    tree = parse(query, {params})
  } catch (err) {
    const mapped = toQueryError(err, query)
    // Anything the parser throws is about the query (groq-js throws plain Errors for some, like
    // "Invalid selector syntax", and RangeError for very deep nesting), never a server fault.
    if (mapped === err && err instanceof Error) throw new QueryError(err.message, {cause: err})
    throw mapped
  }
  checkQueryDepth(tree)
  tree = balanceChains(tree) as ExprNode
  const missing = missingParameter(tree, params)
  // Hosted Sanity's wording.
  if (missing !== null) throw new QueryError(`param $${missing} referenced, but not provided`)
  return usesTextQuery(query) ? rewriteTextQueries(tree) : tree
}

/**
 * The parsed tree as the query path plans and evaluates it: `releases::all()` is groq-js's `*`
 * kept to `_type == "system.release"` (its executor filters the dataset so), written so, and the
 * planner reads the releases off the type index instead of every document of the view (the
 * Studio's release tool asks it). Not in parseQuery: a listener's query must still be a filter on
 * `*` as written. Once per parsed tree.
 */
export function releasesAsFilter(tree: ExprNode): ExprNode {
  let out = asFilter.get(tree)
  if (!out) asFilter.set(tree, (out = withoutReleasesAll(tree)))
  return out
}

const asFilter = new WeakMap<ExprNode, ExprNode>()

/** `tree` with every releases::all() a fresh filter (the planner finds parts by identity). */
function withoutReleasesAll(node: ExprNode): ExprNode {
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const items = value.map(copy)
      return items.some((item, i) => item !== value[i]) ? items : value
    }
    if (!value || typeof value !== 'object') return value
    const n = value as Record<string, unknown>
    if (n.type === 'Value') return n
    if (n.type === 'FuncCall' && n.namespace === 'releases' && n.name === 'all') {
      return parse('*[_type == "system.release"]')
    }
    let out: Record<string, unknown> | null = null
    for (const key in n) {
      const child = copy(n[key])
      if (child !== n[key]) (out ??= {...n})[key] = child
    }
    return out ?? n
  }
  return copy(node) as ExprNode
}

/** A chain of more operands than this is balanced; shorter ones stay as groq-js parsed them. */
const BALANCED_CHAIN = 32

/**
 * `tree` with every long chain of one CHAIN_OPERATORS operator (`a || b || …`, which groq-js nests
 * one level per operand) rebuilt as a balanced tree of the same operands in the same order: the
 * same answer, nested log2(n) deep, so that groq-js's evaluator, the planner and every other
 * recursive reader of the tree do not overflow the stack on thousands of operands. Chains are
 * walked without recursion; the rest recurses at most the syntax depth (checkQueryDepth).
 */
function balanceChains(node: unknown): unknown {
  if (Array.isArray(node)) {
    const items = node.map(balanceChains)
    return items.some((item, i) => item !== node[i]) ? items : node
  }
  if (!node || typeof node !== 'object') return node
  const n = node as Record<string, unknown>
  if (n.type === 'Value') return n
  // score() sums a chain's operands' scores in groq-js's grouping (`a || b` is a's + b's): regrouped,
  // the floating-point sum differs from groq-js's and the hosted answer, so its arguments stay as parsed.
  if (n.type === 'PipeFuncCall' && n.name === 'score') {
    const base = balanceChains(n.base)
    return base === n.base ? n : {...n, base}
  }
  if (typeof n.type === 'string' && CHAIN_OPERATORS.has(n.type)) {
    const operands = chainOperands(n)
    if (operands.length > BALANCED_CHAIN) return balanced(n.type, operands.map(balanceChains))
  }
  let out: Record<string, unknown> | null = null
  for (const key in n) {
    const child = balanceChains(n[key])
    if (child !== n[key]) (out ??= {...n})[key] = child
  }
  return out ?? n
}

/** The operands of the chain `node` heads, left to right, read without recursion. */
function chainOperands(node: Record<string, unknown>): unknown[] {
  const operands: unknown[] = []
  const pending: unknown[] = [node]
  while (pending.length > 0) {
    const next = pending.pop() as Record<string, unknown>
    if (next?.type === node.type) pending.push(next.right, next.left)
    else operands.push(next)
  }
  return operands
}

function balanced(type: string, operands: unknown[]): unknown {
  if (operands.length === 1) return operands[0]
  const middle = operands.length >> 1
  return {
    type,
    left: balanced(type, operands.slice(0, middle)),
    right: balanced(type, operands.slice(middle)),
  }
}

/** The first `$name` the query uses that `params` lacks. */
function missingParameter(node: unknown, params: Record<string, unknown>): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = missingParameter(item, params)
      if (found !== null) return found
    }
    return null
  }
  if (typeof node !== 'object' || node === null) return null
  const {type, name} = node as {type?: unknown; name?: unknown}
  if (type === 'Parameter' && typeof name === 'string' && !Object.hasOwn(params, name)) return name
  if (type === 'Value') return null
  for (const value of Object.values(node)) {
    const found = missingParameter(value, params)
    if (found !== null) return found
  }
  return null
}

/** Evaluates a parsed query over `documents` (the perspective view) and returns plain JSON. */
export async function evaluateQuery(
  tree: ExprNode,
  documents: SanityDocument[],
  context: QueryContext = {},
  query = '',
): Promise<unknown> {
  try {
    // The Studio's ranked search: scored here, only its slice evaluated by groq-js (scoreTopK.ts).
    const value = await evaluate(scoreTopK(tree, documents) ?? tree, {
      dataset: documents,
      params: context.params ?? {},
      timestamp: context.now,
      identity: context.identity,
      sanity:
        context.projectId && context.dataset
          ? {projectId: context.projectId, dataset: context.dataset}
          : undefined,
      dereference: textQueryDereference({
        dereference: context.dereference,
        documents,
        params: context.params ?? {},
      }),
    })
    return await value.get()
  } catch (err) {
    throw toQueryError(err, query, tree)
  }
}

/** Parses and evaluates in one go. */
export async function runQuery(
  query: string,
  documents: SanityDocument[],
  context: QueryContext = {},
): Promise<unknown> {
  return evaluateQuery(parseQuery(query, context.params), documents, context, query)
}

/**
 * Decodes `$name=<JSON>` URL parameters. A value that is not JSON is an error, as in Sanity:
 * `$type=article` (unquoted) is a 400, `$type="article"` is right.
 */
export function decodeParams(search: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [key, raw] of search) {
    if (!key.startsWith('$')) continue
    // Which of two was meant is a guess: the last was taken without a word.
    if (Object.hasOwn(params, key.slice(1))) throw repeatedParameter(key)
    try {
      // Defined, not assigned: `$__proto__` assigned would set the object's prototype.
      Object.defineProperty(params, key.slice(1), {
        value: JSON.parse(raw),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } catch {
      throw new BadRequestError(
        `Unable to parse value of "${key}=${raw}". Please quote string values.`,
      )
    }
  }
  return params
}

/** A URL parameter given more than once, which the lake will not guess between (a 400). */
export function repeatedParameter(name: string): InstanceType<typeof BadRequestError> {
  return new BadRequestError(
    `The URL gives the parameter ${JSON.stringify(name.slice(0, 64))} more than once: send it once`,
  )
}

/** `search`'s one value of `name`, null without one; given more than once, a 400. */
export function singleParameter(search: URLSearchParams, name: string): string | null {
  const values = search.getAll(name)
  if (values.length > 1) throw repeatedParameter(name)
  return values[0] ?? null
}

/** GROQ functions groq-js parses but does not evaluate (it throws "not implemented"). */
const NOT_EVALUATED = new Set([
  'documents::get',
  'documents::incomingRefCount',
  'documents::incomingGlobalDocumentReferenceCount',
  'geo::latLng',
  'geo::contains',
  'geo::intersects',
  'geo::distance',
  'global::anywhere',
  'media::aspect',
  'text::query',
  'text::semanticSimilarity',
])

/** The functions of NOT_EVALUATED that `tree` calls, as `namespace::name()`. */
function notEvaluatedIn(tree: unknown): Set<string> {
  const found = new Set<string>()
  visitTree(tree, null, (node) => {
    const {namespace, name} = node as {namespace?: unknown; name?: unknown}
    if (node.type === 'FuncCall' && NOT_EVALUATED.has(`${String(namespace)}::${String(name)}`)) {
      found.add(
        namespace === 'global' ? `${String(name)}()` : `${String(namespace)}::${String(name)}()`,
      )
    }
  })
  return found
}

/**
 * Which function of the query groq-js could not evaluate, said so: its own message was "not
 * implemented", naming none. `text::query()` is evaluated only as `match`'s right side (the
 * lake's rewrite, docs/search.md).
 */
function notImplemented(tree: unknown): string {
  const named = [...notEvaluatedIn(tree)]
  if (named.length === 0) return 'The query uses a GROQ function the local lake does not evaluate'
  const textQuery = named.includes('text::query()')
    ? '; text::query() works as the right side of match: <field> match text::query($search)'
    : ''
  return `The query uses ${named.join(', ')}, not supported by the local lake (groq-js 2.0.1 does not evaluate ${named.length === 1 ? 'it' : 'them'})${textQuery}`
}

/**
 * V8's RangeError of `Number#toFixed` past 100 digits, as groq-js's round() throws it. Matched by
 * its text: groq-js 2.0.1 keeps its function table private (looked up by name as it evaluates)
 * and a precision may be a document's value, known only then, so no check of the lake's own can
 * stand before it. roundPrecision.test.ts pins V8's wording to this.
 */
export const TO_FIXED_DIGITS = /\btoFixed\(\) digits\b/

/** What groq-js threw, as the lake's error for it (a QueryError); anything else as it is. */
export function toQueryError(err: unknown, query: string, tree?: unknown): unknown {
  if (err instanceof GroqSyntaxError) {
    const description = err.message.replace(/^Syntax error in GROQ query at position \d+: /, '')
    return new QueryParseError(query, err.position, err.position + 1, description)
  }
  if (err instanceof Error && err.message === 'not implemented') {
    return new QueryError(notImplemented(tree), {cause: err})
  }
  if (err instanceof Error && err.name === 'GroqQueryError') {
    return new QueryError(err.message, {cause: err})
  }
  // groq-js reads an object's attribute with `data.hasOwnProperty(name)`, which an object with its
  // own `hasOwnProperty` key (a parameter, an object in the query) breaks: the caller's to rename.
  if (err instanceof TypeError && /\bhasOwnProperty is not a function/.test(err.message)) {
    return new QueryError(
      'The query reads an object with a key named "hasOwnProperty" (in a parameter, an object in the query, or a document stored before the lake refused the name), which GROQ here (groq-js) cannot evaluate; rename the key (a stored one: unset it)',
      {cause: err},
    )
  }
  // groq-js rounds with `Number#toFixed`, which takes at most 100 digits: a larger precision (a
  // literal, a parameter or a document's value) is the query's to change, not the lake's failure.
  if (err instanceof RangeError && TO_FIXED_DIGITS.test(err.message)) {
    return new QueryError(
      'round(): the precision (its second argument) must be an integer from 0 to 100; a double ' +
        'has no digits past the 17th significant one, so round to fewer places',
      {cause: err},
    )
  }
  return err
}

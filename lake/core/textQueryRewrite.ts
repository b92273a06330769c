/**
 * `text::query()` on top of groq-js, which parses it but cannot evaluate it ("not implemented")
 * and has no way to register a function. The lake rewrites the syntax tree once after parsing,
 * and groq-js evaluates everything else as usual:
 *
 *   L match text::query(Q)
 *     → {"_ref": "<marker>" + …what L and Q are at run time…}->m
 *
 * A dereference (`->`) is the one place where groq-js calls back into the lake during evaluation,
 * with a string. The marker makes the lake's dereference function answer it itself: it reads L's
 * value from the string (a string, an array of strings joined, or else the current document's id,
 * on which it evaluates L with groq-js), matches it against Q with the Bengali analyzer
 * (textQuery.ts) and returns `{m: matched, s: score}`. Every other `->` goes on as before.
 *
 * Inside `score()` the match becomes `boost(<matched>, <score>)`, so that groq-js adds the graded
 * score (whole words above inflections, a little for frequency, and a tiny amount for recency
 * that makes newer documents win ties) instead of 1. The full-text index only narrows which
 * documents get here (hints.ts); this evaluation is what decides.
 */
import {evaluate, type DereferenceFunction, type ExprNode} from 'groq-js'
import {QueryError} from './errors.ts'
import {overDocuments, SAME_SCOPE, type Node} from './groqTree.ts'
import {LIMITS} from './limits.ts'
import {createLru} from './lru.ts'
import type {SanityDocument} from './types.ts'
import {searchableText} from './searchText.ts'
import {
  analyzeTexts,
  boundKeys,
  boundTextQuery,
  matchTextQuery,
  parseTextQuery,
  type AnalyzedText,
  type TextTerm,
} from './textQuery.ts'

// Fixed (not per process) so a parsed tree can be evaluated in another worker thread. A stored
// `_ref` that imitates it reads the same permitted documents; a malformed one matches nothing.
const MARKER = '\u0000text::query\u0000'
// The same for a match whose `@` is a document of the query: only its id travels.
const DOCUMENT_MARKER = '\u0000text::query@\u0000'
const SEP = '\u0000'
const JOIN = '\u0001'

/** What a rewritten match was, for the planner (a non-enumerable property of the new node). */
export interface TextQueryMatch {
  /** L: the value searched. */
  left: ExprNode
  /** Q when it is a constant (a literal or a parameter), else null. */
  query: string | null
  /** Whether L is read off the query's own document by its id (matchOnDocument answers it). */
  onDocument: boolean
}

const TEXT_QUERY = Symbol('text::query match')

export function textQueryMatchOf(node: unknown): TextQueryMatch | undefined {
  return node && typeof node === 'object'
    ? (node as {[TEXT_QUERY]?: TextQueryMatch})[TEXT_QUERY]
    : undefined
}

/** Whether a tree calls text::query() anywhere (cheap check before rewriting). */
export function usesTextQuery(query: string): boolean {
  return /text\s*::\s*query/.test(query)
}

/** Rewrites every `L match text::query(Q)`; other nodes are shared with the input tree. */
export function rewriteTextQueries(tree: ExprNode): ExprNode {
  const rewritten = rewrite(tree as unknown as Node, false, false, true)
  return foldLiteralLists(rewritten) as unknown as ExprNode
}

/**
 * `x in ["a", "b"]` with the list as one literal value: groq-js evaluates an array expression as
 * a stream (an async generator per document), a value as it is; the result is the same. The
 * Studio's search asks `_type in ["article"] && …` of every candidate, once per searched type.
 */
function foldLiteralLists(node: unknown): unknown {
  if (Array.isArray(node)) {
    const out = node.map(foldLiteralLists)
    return out.every((child, i) => child === node[i]) ? node : out
  }
  if (!node || typeof node !== 'object') return node
  const n = node as Node
  if (typeof n.type !== 'string' || n.type === 'Value') return node
  let changed = false
  const out: Node = {type: n.type}
  for (const [key, child] of Object.entries(n)) {
    out[key] = foldLiteralLists(child)
    if (out[key] !== child) changed = true
  }
  if (n.type === 'OpCall' && n.op === 'in') {
    const right = out.right as Node
    const elements = right.type === 'Array' ? (right.elements as Node[]) : null
    if (elements?.every((e) => !e.isSplat && (e.value as Node).type === 'Value')) {
      out.right = value(elements.map((e) => (e.value as Node).value))
      changed = true
    }
  }
  if (!changed) return node
  // The planner's marks (a non-enumerable symbol) go with the node.
  for (const symbol of Object.getOwnPropertySymbols(n)) {
    Object.defineProperty(out, symbol, {value: (n as Record<symbol, unknown>)[symbol]})
  }
  return out
}

function isTextQueryMatch(node: Node): boolean {
  if (node.type !== 'OpCall' || node.op !== 'match') return false
  const right = node.right as Node
  return right.type === 'FuncCall' && right.namespace === 'text' && right.name === 'query'
}

function contains(node: unknown, test: (node: Node) => boolean): boolean {
  if (Array.isArray(node)) return node.some((child) => contains(child, test))
  if (!node || typeof node !== 'object') return false
  const n = node as Node
  if (typeof n.type === 'string' && test(n)) return true
  return Object.entries(n).some(
    ([key, child]) => !(n.type === 'Value' && key === 'value') && contains(child, test),
  )
}

/**
 * Whether the elements of `base` may be stored documents: `*`, its filters, slices and orders,
 * `->`, and `@`/`^` where they may be. Only there may a match read L off the stored document that
 * `@._id` names (replaceMatch's 'd' form); anywhere else (a projection's objects, a field's items,
 * values written in the query, any operator or function wrapping them) `{_id, "title": nested}`
 * would be searched by the stored title. A positive list, so a wrapping not named here is safe.
 */
function mayBeDocuments(base: unknown, thisStored: boolean): boolean {
  const node = base as Node | undefined
  switch (node?.type) {
    case 'Everything':
    case 'Deref':
    case 'Parent':
      return true
    case 'This':
      return thisStored
    case 'Filter':
    case 'Slice':
    case 'Group':
    case 'AccessElement':
    case 'ArrayCoerce':
    case 'PipeFuncCall':
      return mayBeDocuments(node.base, thisStored)
    case 'Map':
    case 'FlatMap':
      // `*[…].ref->`: the mapped expression decides, its `@` being the base's elements.
      return mayBeDocuments(node.expr, mayBeDocuments(node.base, thisStored))
    default:
      return false
  }
}

/** The scope of the children that `node` evaluates per element of its base. */
const PER_ELEMENT = new Set(['Filter', 'Projection', 'Map', 'FlatMap'])

/**
 * `score` says whether groq-js's score evaluation reaches this node (evaluateScore); `docs`, that
 * `@` is here a document of the dataset (a filter, score() or projection straight over `*`);
 * `stored`, that `@` may be a stored document (mayBeDocuments).
 */
function rewrite(node: unknown, score: boolean, docs: boolean, stored: boolean): unknown {
  if (Array.isArray(node)) return node.map((child) => rewrite(child, false, docs, stored))
  if (!node || typeof node !== 'object') return node
  const n = node as Node
  if (typeof n.type !== 'string' || n.type === 'Value') return node
  if (!contains(n, isTextQueryMatch)) return node
  if (isTextQueryMatch(n)) return replaceMatch(n, score, docs, stored)
  if (score) {
    // In score(), groq-js scores And/Or by their parts and boost() by its first argument; it
    // reads a group as a plain condition, so a group holding a text::query is opened.
    if (n.type === 'Group') return rewrite(n.base, true, docs, stored)
    if (n.type === 'And' || n.type === 'Or') {
      return {
        ...n,
        left: rewrite(n.left, true, docs, stored),
        right: rewrite(n.right, true, docs, stored),
      }
    }
    if (n.type === 'FuncCall' && n.name === 'boost') {
      const [first, ...rest] = n.args as unknown[]
      return {
        ...n,
        args: [
          rewrite(first, true, docs, stored),
          ...rest.map((arg) => rewrite(arg, false, docs, stored)),
        ],
      }
    }
  }
  // The children evaluated per element of a base: documents when the base is `*` filtered.
  const inner = overDocuments(n.base)
  const base = n.base as Node | undefined
  const innerStored = mayBeDocuments(base, stored)
  if (n.type === 'PipeFuncCall') {
    return {
      ...n,
      base: rewrite(n.base, false, docs, stored),
      args: (n.args as unknown[]).map((arg) =>
        rewrite(arg, n.name === 'score', inner, innerStored),
      ),
    }
  }
  const out: Node = {type: n.type}
  for (const [key, child] of Object.entries(n)) {
    const scoped = (n.type === 'Filter' || n.type === 'Projection') && key === 'expr'
    const perElement = PER_ELEMENT.has(n.type) && key === 'expr'
    out[key] = rewrite(
      child,
      false,
      scoped ? inner : SAME_SCOPE.has(n.type) && docs,
      perElement ? innerStored : stored,
    )
  }
  return out
}

const value = (v: unknown): Node => ({type: 'Value', value: v})
const attribute = (name: string, base?: Node): Node =>
  base ? {type: 'AccessAttribute', base, name} : {type: 'AccessAttribute', name}
const call = (name: string, ...args: Node[]): Node => ({
  type: 'FuncCall',
  namespace: 'global',
  name,
  args,
})
const plus = (...parts: Node[]): Node =>
  parts.reduce((left, right) => ({type: 'OpCall', op: '+', left, right}))

function replaceMatch(n: Node, score: boolean, docs: boolean, stored: boolean): Node {
  const left = n.left as Node
  const queryArg = ((n.right as Node).args as Node[])[0]
  const query =
    queryArg?.type === 'Value' && typeof queryArg.value === 'string' ? queryArg.value : null
  if (query !== null) checkWords(query)
  const header = value(`${MARKER}${JSON.stringify({left, query})}${SEP}`)
  if (docs && query !== null && simpleLeft(left)) {
    // `@` is a document of the query's own: the lake reads L and the date off it by its id
    // (answerMatch, kind 'e'), the same values as below with a fraction of groq-js's work.
    const onDocument = value(`${DOCUMENT_MARKER}${JSON.stringify({left, query})}${SEP}`)
    return matchNode(plus(onDocument, attribute('_id')), score, left, query, true)
  }
  // Recency for ties: the document's publication time, else its last change.
  const date = call(
    'coalesce',
    call('string', attribute('publishedAt')),
    call('string', attribute('_updatedAt')),
    value(''),
  )
  // Q known only at run time travels before L, as its length (groq-js's length(), see
  // splitQuery), SEP, Q and SEP: L may then be any string, as with a constant Q.
  const runtime = call('string', queryArg ?? value(null))
  const q = (kind: string) =>
    query === null
      ? plus(value(kind), call('string', call('length', runtime)), value(SEP), runtime, value(SEP))
      : value(kind)
  const subject = call(
    'coalesce',
    plus(q('s'), call('string', left)),
    plus(q('a'), {
      type: 'FuncCall',
      namespace: 'array',
      name: 'join',
      args: [left, value(JOIN)],
    }),
    // An object, or an array holding one, is read off the stored document: never where `@` is
    // not one, so there it matches nothing.
    ...(stored ? [plus(q('d'), attribute('_id'))] : []),
  )
  return matchNode(plus(header, date, value(SEP), subject), score, left, query, false)
}

/**
 * `<length>SEP<Q>SEP<L>` as [Q, L]. The length is groq-js's length(): code units but for high
 * surrogates, which count 0, so Q ends after `length` counted units and any high surrogates after
 * them, where its SEP is.
 */
function splitQuery(text: string): [string, string] | null {
  const lengthEnd = text.indexOf(SEP)
  const length = Number(text.slice(0, lengthEnd))
  if (lengthEnd < 0 || !Number.isInteger(length)) return null
  let end = lengthEnd + 1
  for (let counted = 0; end < text.length; end++) {
    const code = text.charCodeAt(end)
    const high = code >= 0xd800 && code <= 0xdbff
    if (counted === length && !high) break
    if (!high) counted++
  }
  if (text[end] !== SEP) return null
  return [text.slice(lengthEnd + 1, end), text.slice(end + 1)]
}

/** Refuses a search string of more words than LIMITS.query.textQueryWords, before it runs. */
function checkWords(query: string): void {
  const limit = LIMITS.query.textQueryWords
  let words = 0
  for (const term of termsOf(query)) words += term.words.length
  if (words > limit) {
    throw new QueryError(
      `text::query() was given ${words} words; it takes at most ${limit}. Search for fewer words (a phrase of the rarest ones finds the same text).`,
    )
  }
}

/** The match as groq-js evaluates it: a dereference of `refId`, boosted in score(). */
function matchNode(
  refId: Node,
  score: boolean,
  left: Node,
  query: string | null,
  onDocument: boolean,
): Node {
  const ref: Node = {
    type: 'Deref',
    base: {
      type: 'Object',
      attributes: [{type: 'ObjectAttributeValue', name: '_ref', value: refId}],
    },
  }
  const matched = call('coalesce', attribute('m', ref), value(false))
  const out = score ? call('boost', matched, attribute('s', ref)) : matched
  Object.defineProperty(out, TEXT_QUERY, {
    value: {left: left as unknown as ExprNode, query, onDocument} satisfies TextQueryMatch,
  })
  return out
}

/** `@`, `a.b` (from `@`) and arrays of them: what readSimple reads. */
function simpleLeft(node: Node): boolean {
  if (node.type === 'This') return true
  if (node.type === 'AccessAttribute') {
    const base = node.base as Node | undefined
    return !base || simpleLeft(base)
  }
  if (node.type === 'Array') {
    return (node.elements as Node[]).every(
      (element) => !element.isSplat && simpleLeft(element.value as Node),
    )
  }
  return false
}

const NO_ANSWER = {m: false, s: 0}

export interface TextQueryContext {
  /** The query's dereference (perspective and permissions), used for `->` and to read documents. */
  dereference?: DereferenceFunction
  /** The documents the query runs over, used to find a document when there is no dereference. */
  documents: readonly SanityDocument[]
  params: Record<string, unknown>
}

/**
 * The dereference function for one evaluation: answers the rewritten matches, passes every other
 * `->` to the query's own dereference (or, like groq-js without one, looks in the documents).
 */
export function textQueryDereference(context: TextQueryContext): DereferenceFunction {
  const {dereference, documents, params} = context
  let byId: Map<string, SanityDocument> | null = null
  const lookup = (id: string): SanityDocument | null => {
    if (!byId) {
      // The first document with the id, as groq-js finds it.
      byId = new Map()
      for (const doc of documents) if (!byId.has(doc._id)) byId.set(doc._id, doc)
    }
    return byId.get(id) ?? null
  }
  const base: DereferenceFunction = (ref) => (dereference ? dereference(ref) : lookup(ref._ref))
  // The document a match reads is nearly always one the query is going over: the view holds it
  // as the dereference would return it (same perspective and permissions), with no store read.
  const own: DereferenceFunction = (ref) =>
    (typeof ref._ref === 'string' ? lookup(ref._ref) : null) ?? base(ref)
  const answers = new Map<string, Promise<{m: boolean; s: number}>>()
  const headers = new Map<string, {left: ExprNode; query: string | null}>()
  const analyzed = new Map<string, AnalyzedText>()

  return (ref) => {
    const id = ref._ref
    if (typeof id !== 'string' || !(id.startsWith(MARKER) || id.startsWith(DOCUMENT_MARKER))) {
      return base(ref)
    }
    let answer = answers.get(id)
    if (!answer) {
      answer = answerMatch(id).catch(() => NO_ANSWER)
      answers.set(id, answer)
    }
    return answer
  }

  async function answerMatch(ref: string): Promise<{m: boolean; s: number}> {
    if (ref.startsWith(DOCUMENT_MARKER)) return answerOnDocument(ref)
    const headerEnd = ref.indexOf(SEP, MARKER.length)
    const headerText = ref.slice(MARKER.length, headerEnd)
    let header = headers.get(headerText)
    if (!header) headers.set(headerText, (header = JSON.parse(headerText)))
    const dateEnd = ref.indexOf(SEP, headerEnd + 1)
    const date = ref.slice(headerEnd + 1, dateEnd)
    const kind = ref[dateEnd + 1]
    let rest = ref.slice(dateEnd + 2)
    let query = header!.query
    if (query === null) {
      const split = splitQuery(rest)
      if (split === null) return NO_ANSWER
      ;[query, rest] = split
    }
    let text: AnalyzedText
    if (kind === 's') text = analyzeTexts([rest])
    else if (kind === 'a') text = analyzeTexts(rest.split(JOIN))
    else if (kind === 'd') text = await documentText(rest, header!.left, headerText)
    else return NO_ANSWER
    return scoredMatch(text, query, date)
  }

  /** A match on a document of the query (see replaceMatch): L and the date read off it here. */
  async function answerOnDocument(ref: string): Promise<{m: boolean; s: number}> {
    const headerEnd = ref.indexOf(SEP, DOCUMENT_MARKER.length)
    const headerText = ref.slice(DOCUMENT_MARKER.length, headerEnd)
    let header = headers.get(headerText)
    if (!header) headers.set(headerText, (header = JSON.parse(headerText)))
    const id = ref.slice(headerEnd + 1)
    const doc = (await own({_ref: id})) as SanityDocument | null
    if (!doc) return NO_ANSWER
    // No text cache here: `answers` already asks once per ref, which is one per (document, header).
    return matchAnalyzed(analyzeOnDocument(header!.left, doc), header!.query!, doc)
  }

  async function documentText(id: string, left: ExprNode, leftKey: string): Promise<AnalyzedText> {
    const key = `${id}${SEP}${leftKey}`
    const cached = analyzed.get(key)
    if (cached) return cached
    const doc = (await own({_ref: id})) as SanityDocument | null
    let found: unknown = null
    if (doc) {
      found = readSimple(left as unknown as Node, doc)
      if (found === undefined) {
        found = await (
          await evaluate(left, {root: doc, dataset: documents, params, dereference: base})
        ).get()
      }
    }
    const text = analyzeTexts(searchableText(found))
    analyzed.set(key, text)
    return text
  }
}

/**
 * A match whose L is read off `doc` (`@`, `a.b` or an array of them) against the constant `query`:
 * what the rewritten dereference answers (`m` matched, `s` its score), without groq-js.
 */
export function matchOnDocument(
  left: ExprNode,
  query: string,
  doc: SanityDocument,
): {m: boolean; s: number} {
  try {
    return matchAnalyzed(analyzeOnDocument(left, doc), query, doc)
  } catch {
    return NO_ANSWER
  }
}

function analyzeOnDocument(left: ExprNode, doc: SanityDocument): AnalyzedText {
  // As the general form's subject: a scalar as a string, an array of scalars joined, else the
  // text of the value.
  const found = readSimple(left as unknown as Node, doc)
  const scalar = scalarText(found)
  const joined = scalar === null && Array.isArray(found) ? found.map(scalarText) : null
  return scalar !== null
    ? analyzeTexts([scalar])
    : joined && joined.every((part) => part !== null)
      ? analyzeTexts(joined.join(JOIN).split(JOIN))
      : analyzeTexts(searchableText(found))
}

function matchAnalyzed(text: AnalyzedText, query: string, doc: SanityDocument) {
  return scoredMatch(text, query, scalarText(doc.publishedAt) ?? scalarText(doc._updatedAt) ?? '')
}

/**
 * An upper bound of matchOnDocument for `query` over any document, from at least how often each
 * of its `keys` occurs in the searched value (per term, its spellings' counts summed; see
 * boundKeys); undefined when the query's words cannot be bounded that way.
 */
export function matchBound(
  query: string,
): {keys: string[][]; bound(counts: readonly number[]): {m: boolean; s: number}} | undefined {
  const terms = termsOf(query)
  const keys = boundKeys(terms)
  if (!keys) return undefined
  return {
    keys,
    bound(counts) {
      const result = boundTextQuery(terms, counts)
      return result.matched ? {m: true, s: result.score + MAX_RECENCY} : NO_ANSWER
    },
  }
}

/** Whether `text` matches `query`, and its score with the recency of `date` for ties. */
function scoredMatch(text: AnalyzedText, query: string, date: string): {m: boolean; s: number} {
  const result = matchTextQuery(text, termsOf(query))
  return result.matched ? {m: true, s: result.score + recency(date)} : NO_ANSWER
}

/** groq-js's string(): numbers, strings and booleans as text, anything else null. */
function scalarText(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? `${value}`
    : null
}

/**
 * `@`, `a.b` and arrays of them (`[@, _id]`, what the Studio searches) read straight off the
 * document as groq-js would (a missing attribute, or one of a non-object, is null); undefined for
 * anything else, which groq-js evaluates.
 */
function readSimple(node: Node, doc: SanityDocument): unknown {
  if (node.type === 'This') return doc
  if (node.type === 'AccessAttribute') {
    const base = node.base as Node | undefined
    const object = base ? readSimple(base, doc) : doc
    if (object === undefined) return undefined
    if (!object || typeof object !== 'object' || Array.isArray(object)) return null
    return (object as Record<string, unknown>)[node.name as string] ?? null
  }
  if (node.type === 'Array') {
    const out: unknown[] = []
    for (const element of node.elements as Node[]) {
      if (element.isSplat) return undefined
      const value = readSimple(element.value as Node, doc)
      if (value === undefined) return undefined
      out.push(value)
    }
    return out
  }
  return undefined
}

/**
 * Parsed queries by their text. Anyone may send one (a parameter, up to a mebibyte): bounded by
 * characters too, as query.ts's parse cache is; 256 texts of 4,000 characters held a million
 * characters and their terms, on each thread that searched.
 */
const parsedQueries = createLru<string, TextTerm[]>(
  {entries: 256, weight: 256 * 1024},
  (query) => query.length,
)

/** What the parsed queries hold: for tests of their bounds. */
export function textQueryCacheSize(): {entries: number; chars: number} {
  return {entries: parsedQueries.size, chars: parsedQueries.weight}
}

/** Whether `query`'s terms are kept, without making them recent: for tests of their bounds. */
export function textQueryCached(query: string): boolean {
  return parsedQueries.peek(query) !== undefined
}

// The query the last candidate asked for: every candidate of a scan asks for the same one, and
// the cache's get (which makes an entry recent by moving it) cost 6-26x a Map lookup on that path.
// One query beyond the bounds at most; the cache hears of it again as soon as another is asked.
let lastQuery: string | undefined
let lastTerms: TextTerm[] = []

/** Parsed once per query string (each candidate document asks again). */
function termsOf(query: string): TextTerm[] {
  if (query === lastQuery) return lastTerms
  let terms = parsedQueries.get(query)
  if (!terms) parsedQueries.set(query, (terms = parseTextQuery(query)))
  lastQuery = query
  lastTerms = terms
  return terms
}

// 1970 to about 2100 in milliseconds maps onto [0, 0.01): far below the step between a
// whole-word and an inflection hit, enough to order ties newest first.
const RECENCY_SPAN = 4.1e12

/** Above any recency(). */
const MAX_RECENCY = 0.01

function recency(date: string): number {
  const time = Date.parse(date)
  if (!Number.isFinite(time)) return 0
  return 0.01 * Math.min(0.999, Math.max(0, time / RECENCY_SPAN))
}

/**
 * The Studio's search query, ranked and sliced, without groq-js per document:
 *
 *   *[F] | score(…) [_score > 0] {projection} | order(_score desc) [a...b]
 *
 * groq-js scores every document (each text::query match a dereference, awaited), sorts them all
 * and keeps b. A common word at 100,000 articles took a minute. Here each document's score is
 * computed by the same rules (groq-js's evaluateScore, and matchOnDocument for text::query, the
 * function its dereference calls), the documents are sorted the same stable way (score desc, then
 * their order in the dataset), and only the first b go to groq-js for the rest of the query.
 *
 * Only that exact shape, with parts this file knows, takes this path; anything else returns
 * undefined and groq-js evaluates the whole query. The projection must leave `_score` alone (or
 * drop it), so that `order(_score desc)` keeps score()'s order and the first b stay the first b.
 */
import type {ExprNode} from 'groq-js'
import {referencedIds, type Node} from './groqTree.ts'
import {matchOnDocument, textQueryMatchOf} from './textQueryRewrite.ts'
import type {SanityDocument} from './types.ts'

/** A document's score (NaN-free number) or its truth, as groq-js would evaluate the node. */
type Scorer = (doc: SanityDocument) => number
type Test = (doc: SanityDocument) => boolean

/**
 * score() over documents that arrive a batch at a time, in view order, holding only the best
 * `end` of them (and a batch's worth more): a word in most documents of an archive is scored
 * without the view in memory.
 */
export interface ScoreStage {
  /** Scores the next documents of the view. */
  add(documents: readonly SanityDocument[]): void
  /** The query with score()'s result replaced by the best `end` documents seen. */
  finish(): ExprNode
  /**
   * Whether the rest of the query reads the dataset (`*`, or a text::query match, which reads
   * the query's documents): then it needs the whole view, and cannot take documents streamed.
   */
  readsDataset: boolean
}

/**
 * The query with its score() stage already answered over `documents` (replaced by the first `b`
 * scored documents), or undefined.
 */
export function scoreTopK(
  tree: ExprNode,
  documents: readonly SanityDocument[],
): ExprNode | undefined {
  const stage = scoreStage(tree)
  if (!stage) return undefined
  // A text::query match reads L off the first document with the scored one's id: the same one
  // only when ids are unique (a perspective view's are).
  const ids = new Set<string>()
  for (const doc of documents) {
    if (typeof doc._id !== 'string' || ids.has(doc._id)) return undefined
    ids.add(doc._id)
  }
  stage.add(documents)
  return stage.finish()
}

/** A stage for the shape above, or undefined for any other query. */
export function scoreStage(tree: ExprNode): ScoreStage | undefined {
  const slice = tree as unknown as Node
  if (slice.type !== 'Slice' || slice.isInclusive === undefined) return undefined
  const start = slice.left
  const stop = slice.right
  if (!isCount(start) || !isCount(stop) || stop < start) return undefined
  const end = slice.isInclusive ? stop + 1 : stop
  const order = slice.base as Node
  if (!isOrderByScoreDesc(order)) return undefined
  const map = order.base as Node
  if (map.type !== 'Map' || !keepsScore(map.expr as Node)) return undefined
  const positive = map.base as Node
  if (positive.type !== 'Filter' || !isScorePositive(positive.expr as Node)) return undefined
  const score = positive.base as Node
  if (score.type !== 'PipeFuncCall' || score.name !== 'score') return undefined
  const base = score.base as Node
  let test: Test = () => true
  if (base.type === 'Filter' && (base.base as Node).type === 'Everything') {
    const filter = condition(base.expr as Node)
    if (!filter) return undefined
    test = filter
  } else if (base.type !== 'Everything') return undefined
  const scorers = (score.args as Node[]).map(scorer)
  if (scorers.some((s) => !s)) return undefined

  // In arrival (view) order; pruned to the best `end` whenever it holds `end + PRUNE_AFTER`.
  let scored: {doc: SanityDocument; score: number}[] = []
  const prune = () => {
    // Array.prototype.sort is stable: ties keep the view's order, as in groq-js's score().
    scored.sort((a, b) => b.score - a.score)
    if (scored.length > end) scored.length = end
  }
  return {
    readsDataset: reads(map.expr),
    add(documents) {
      for (const doc of documents) {
        if (!test(doc)) continue
        // groq-js adds each argument in turn to the document's own numeric _score.
        let value = typeof doc._score === 'number' ? doc._score : 0
        for (const s of scorers) value += s!(doc)
        if (value > 0) scored.push({doc, score: value})
        if (scored.length >= end + PRUNE_AFTER) prune()
      }
    },
    finish() {
      prune()
      const top = scored.map(({doc, score: s}) => ({...doc, _score: s}))
      scored = []
      const rest: Node = {
        ...slice,
        base: {...order, base: {...map, base: {...positive, base: {type: 'Value', value: top}}}},
      }
      return rest as unknown as ExprNode
    },
  }
}

/** Scored documents held beyond the slice before the least are dropped. */
const PRUNE_AFTER = 1000

/** Whether a node reads the dataset: `*`, or a text::query match (see ScoreStage.readsDataset). */
function reads(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(reads)
  if (!node || typeof node !== 'object') return false
  const n = node as Node
  if (n.type === 'Everything' || textQueryMatchOf(n)) return true
  if (n.type === 'Value') return false
  return Object.values(n).some(reads)
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0

function isOrderByScoreDesc(node: Node): boolean {
  if (node.type !== 'PipeFuncCall' || node.name !== 'order') return false
  const args = node.args as Node[]
  return args.length === 1 && args[0].type === 'Desc' && isScore(args[0].base as Node)
}

const isScore = (node: Node) =>
  node.type === 'AccessAttribute' && !node.base && node.name === '_score'

/** `_score > 0` */
function isScorePositive(node: Node): boolean {
  if (node.type !== 'OpCall' || node.op !== '>' || !isScore(node.left as Node)) return false
  const right = node.right as Node
  return right.type === 'Value' && right.value === 0
}

/** `{a, "b": expr, …}` over `@` with no `_score` but `_score` itself: the order stays score()'s. */
function keepsScore(node: Node): boolean {
  if (node.type !== 'Projection' || (node.base as Node).type !== 'This') return false
  const object = node.expr as Node
  if (object.type !== 'Object') return false
  return (object.attributes as Node[]).every(
    (a) => a.type === 'ObjectAttributeValue' && (a.name !== '_score' || isScore(a.value as Node)),
  )
}

/** A document's attribute (`a`, no deeper), as groq-js reads it: missing is null. */
function attributeOf(node: Node): ((doc: SanityDocument) => unknown) | undefined {
  if (node.type !== 'AccessAttribute' || node.base || typeof node.name !== 'string')
    return undefined
  const name = node.name
  return (doc) =>
    Object.hasOwn(doc, name) ? ((doc as Record<string, unknown>)[name] ?? null) : null
}

const isScalar = (v: unknown) =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** A condition groq-js would evaluate to true or not, for the shapes the Studio sends. */
function condition(node: Node): Test | undefined {
  if (node.type === 'OpCall' && (node.op === 'in' || node.op === '==')) {
    const read = attributeOf(node.left as Node)
    const right = node.right as Node
    if (!read || right.type !== 'Value') return undefined
    // groq-js's equality: scalars of one type, compared by value (a date string is a string).
    const values =
      node.op === 'in' ? (Array.isArray(right.value) ? right.value : undefined) : [right.value]
    if (!values || !values.every(isScalar)) return undefined
    return (doc) => {
      const v = read(doc)
      return isScalar(v) && values.some((w) => w === v)
    }
  }
  if (node.type === 'FuncCall' && node.name === 'references' && node.namespace === 'global') {
    // references(x) over `@`: a string, or an array (its strings), as groq-js collects them.
    const listed = referencedIds(node.args as Node[])
    if (!listed) return undefined
    const ids = new Set(listed)
    if (ids.size === 0) return () => false
    return (doc) => hasReference(doc, ids)
  }
  return undefined
}

/** groq-js's hasReference: the first `_ref` found in an object decides for that object. */
function hasReference(value: unknown, ids: Set<string>): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (hasReference(item, ids)) return true
  } else if (value !== null && typeof value === 'object') {
    const ref = (value as {_ref?: unknown})._ref
    if (ref) return ids.has(ref as string)
    for (const key in value) {
      if (Object.hasOwn(value, key) && hasReference((value as Record<string, unknown>)[key], ids))
        return true
    }
  }
  return false
}

/** groq-js's evaluateScore for the node, or undefined for a node this file does not know. */
function scorer(node: Node): Scorer | undefined {
  const textQuery = textQueryMatchOf(node)
  if (textQuery) {
    // In score() the rewritten match is boost(matched, s): 1 + s when matched, else 0.
    if (!textQuery.onDocument || textQuery.query === null) return undefined
    const {left, query} = textQuery
    return (doc) => {
      const answer = matchOnDocument(left, query, doc)
      return answer.m ? 1 + answer.s : 0
    }
  }
  if (node.type === 'FuncCall' && node.name === 'boost' && node.namespace === 'global') {
    const [inner, weight] = node.args as Node[]
    const score = inner && scorer(inner)
    if (!score || weight?.type !== 'Value' || typeof weight.value !== 'number') return undefined
    const w = weight.value
    return (doc) => {
      const s = score(doc)
      return s > 0 ? s + w : 0
    }
  }
  if (node.type === 'Or' || node.type === 'And') {
    const left = scorer(node.left as Node)
    const right = scorer(node.right as Node)
    if (!left || !right) return undefined
    if (node.type === 'Or') return (doc) => left(doc) + right(doc)
    return (doc) => {
      // groq-js evaluates both sides; these scorers are pure, so a 0 on the left ends it.
      const l = left(doc)
      if (l === 0) return 0
      const r = right(doc)
      return r === 0 ? 0 : l + r
    }
  }
  if (node.type === 'OpCall' && node.op === 'match') return undefined
  const test = condition(node)
  return test && ((doc) => (test(doc) ? 1 : 0))
}

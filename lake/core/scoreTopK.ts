/**
 * The Studio's search query, ranked and sliced, without groq-js per document:
 *
 *   *[F] | score(…) [_score > 0] {projection} | order(_score desc) [a...b]
 *
 * (or ordered by the projection's copy of `_score`, as Studio 6.9.2 sends it:
 * `{…, "orderings": [_score]} | order(orderings[0] desc)`).
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
import {DROPPED_BY_FOLD, foldKeepsCaselessOccurrences} from '../../bangla/index.ts'
import {referencedIds, type Node} from './groqTree.ts'
import type {Probe, Tally} from './store.ts'
import {matchBound, matchOnDocument, textQueryMatchOf} from './textQueryRewrite.ts'
import type {SanityDocument} from './types.ts'

/** A document's score (NaN-free number) or its truth, as groq-js would evaluate the node. */
type Scorer = (doc: SanityDocument) => number
type Test = (doc: SanityDocument) => boolean

/**
 * What is known of a stored document before it is read: its tally (Store.tally) and, per list
 * of ids the score asks references() about, the stored ids that may reference one of them.
 */
export interface Unread {
  tally: Tally
  referrers: readonly ReadonlySet<string>[]
}

/**
 * At least the score (or the truth, 1) of any document with what is known of it unread, and how
 * many characters folding drops it holds.
 */
type Bound = (unread: Unread & {dropped: number}) => number

/**
 * Reading only the documents that can still enter the top `end`: each candidate's score has an
 * upper bound from its tally (how often each query word's key occurs in the stored text, its
 * type, whether it may reference an id), so a view can read candidates by falling bound and stop
 * once the next bound is below the `end`-th best score held (floor()). A word in most documents
 * is then read in the few documents that hold it most often.
 */
export interface ScoreBounds {
  probes: readonly Probe[]
  /** Id lists of the score's references(): Unread.referrers holds who may reference them. */
  references: readonly (readonly string[])[]
  /** At least the document's score: 0 when it cannot be kept, Infinity when nothing bounds it. */
  bound(unread: Unread): number
  /**
   * Set when every probe at a path is at one top-level attribute, of a key no digit starts, and,
   * where the key is Latin (`caseless`), of an attribute not named `_…` (whose strings of ASCII
   * alone the index's heads leave out), so a store can leave out the candidates whose attributes
   * hold none of the probes' keys (TallyOptions.heads): at least the score of any of those,
   * whatever its type, id or other text.
   */
  headsLeftOut?: number
}

/**
 * score() over documents that arrive a batch at a time, in view order, holding only the best
 * `end` of them (and a batch's worth more): a word in most documents of an archive is scored
 * without the view in memory.
 */
export interface ScoreStage {
  /**
   * Scores the next documents of the view; with `ids`, documents that come out of view order,
   * placed in it by their view `_id`s (a view is in `_id` order; ties keep view order). Either
   * form for a whole stage, not both.
   */
  add(documents: readonly SanityDocument[], ids?: readonly string[]): void
  /** The `end`-th best score added so far; -Infinity while fewer are held. */
  floor(): number
  /** Set when every part of the score has an upper bound before a document is read. */
  bounds?: ScoreBounds
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
  // A slice of a literal or of a plain filter has no base beneath its own: not this shape.
  const map = order.base as Node | undefined
  if (map?.type !== 'Map' || !keepsScore(map.expr as Node)) return undefined
  if (!isOrderByScoreDesc(order, map.expr as Node)) return undefined
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

  // Placed in view order by arrival or view id; pruned to the best `end` whenever it holds
  // `end + PRUNE_AFTER`.
  let scored: {doc: SanityDocument; score: number; position: number | string}[] = []
  let arrived = 0
  const prune = () => {
    // As groq-js's stable sort: ties keep view order.
    scored.sort(
      (a, b) =>
        b.score - a.score || (a.position < b.position ? -1 : a.position > b.position ? 1 : 0),
    )
    if (scored.length > end) scored.length = end
  }
  return {
    readsDataset: reads(map.expr),
    bounds: scoreBounds(base.type === 'Filter' ? (base.expr as Node) : null, score.args as Node[]),
    add(documents, ids) {
      documents.forEach((doc, i) => {
        const position = ids ? ids[i] : arrived++
        if (!test(doc)) return
        // groq-js adds each argument in turn to the document's own numeric _score.
        let value = typeof doc._score === 'number' ? doc._score : 0
        for (const s of scorers) value += s!(doc)
        if (value > 0) scored.push({doc, score: value, position})
        if (scored.length >= end + PRUNE_AFTER) prune()
      })
    },
    floor() {
      if (end === 0) return Infinity
      prune()
      return scored.length >= end ? scored[end - 1].score : -Infinity
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

/**
 * `order(_score desc)`, or `order(a[0] desc)` where the projection (keepsScore's) makes `a` once,
 * as `[_score, …]`: Studio 6.9.2 orders by such a copy (`"orderings": [_score]`), the same
 * numbers in the same stable sort.
 */
function isOrderByScoreDesc(node: Node, projection: Node): boolean {
  if (node.type !== 'PipeFuncCall' || node.name !== 'order') return false
  const args = node.args as Node[]
  if (args.length !== 1 || args[0].type !== 'Desc') return false
  const by = args[0].base as Node
  if (isScore(by)) return true
  const copy = by.base as Node | undefined
  if (by.type !== 'AccessElement' || by.index !== 0 || copy?.type !== 'AccessAttribute') {
    return false
  }
  if (copy.base || typeof copy.name !== 'string') return false
  const made = ((projection.expr as Node).attributes as Node[]).filter((a) => a.name === copy.name)
  if (made.length !== 1) return false
  const value = made[0].value as Node
  const first = value.type === 'Array' ? (value.elements as Node[])[0] : undefined
  return first !== undefined && !first.isSplat && isScore(first.value as Node)
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

const DIGIT_FIRST = /^[0-9]/
const UNDERSCORE = 0x5f

/**
 * Upper bounds for score(…) over `*[filter]`, mirroring the scorers above part by part (a sum of
 * bounds bounds the sum: floating-point addition is monotonic), or undefined when a part has none.
 */
function scoreBounds(filter: Node | null, args: readonly Node[]): ScoreBounds | undefined {
  const probes: Probe[] = []
  const references: string[][] = []
  const probe = (path: readonly string[], text: string, types?: readonly string[]) => {
    const caseless = foldKeepsCaselessOccurrences(text)
    const key = JSON.stringify([path, text, types])
    const found = probes.findIndex((p) => JSON.stringify([p.path, p.text, p.types]) === key)
    if (found >= 0) return found
    return probes.push({path, text, ...(types ? {types} : {}), ...(caseless ? {caseless} : {})}) - 1
  }
  const context: BoundContext = {probe, references, tested: []}
  const test = filter ? conditionBound(filter, context) : () => 1
  const parts = args.map((arg) => bound(arg, context))
  if (!test || parts.some((p) => !p)) return undefined
  // A stored `_score` starts the score: an empty text counts Infinity where it is present.
  const stored = probe(['_score'], '')
  const dropped = DROPPED_BY_FOLD.map((text) => probe([], text))
  const bounds: ScoreBounds = {
    probes,
    references,
    bound(unread) {
      const known = {tally: unread.tally, referrers: unread.referrers, dropped: 0}
      if (test(known) === 0) return 0
      if (unread.tally.counts[stored] > 0) return Infinity
      // Where folding drops a character, a word can occur once more (foldKeepsOccurrences).
      // A partial tally's attribute counts are of folded words already (headsLeftOut).
      if (!unread.tally.partial) for (const i of dropped) known.dropped += unread.tally.counts[i]
      let value = 0
      for (const part of parts) value += part!(known)
      return value
    },
  }
  // The heads (the index's headTerms) list no key a digit starts, and a string of ASCII alone,
  // which a Latin key may be in, only in an attribute whose name does not start with `_`: a
  // Latin key's probe of such an attribute tells nothing apart (a title "Dhaka" would be left
  // out).
  const headed = (p: Probe) =>
    p.path.length === 1 &&
    !DIGIT_FIRST.test(p.text) &&
    (!p.caseless || p.path[0].charCodeAt(0) !== UNDERSCORE)
  if (probes.every((p) => p.path.length === 0 || headed(p))) {
    // A candidate left out: its probed attributes hold no word starting with a key (a
    // text::query of them finds nothing) and no `_score`; anything else about it is unknown:
    // the most over every type the score tests and one it does not, referencing every id.
    const counts = probes.map((p) => (p.path.length === 1 ? 0 : Infinity))
    const everyId = {has: () => true} as unknown as ReadonlySet<string>
    const referrers = references.map(() => everyId)
    let most = 0
    for (const type of [...new Set(probes.flatMap((p) => p.types ?? [])), ...context.tested, '']) {
      const tally: Tally = {id: '', type, counts, partial: true}
      most = Math.max(most, bounds.bound({tally, referrers}))
    }
    bounds.headsLeftOut = most
  }
  return bounds
}

interface BoundContext {
  probe(path: readonly string[], text: string, types?: readonly string[]): number
  references: string[][]
  /** Every type a `_type` condition names. */
  tested: string[]
  /** The types an enclosing `_type` condition allows (a probe need not count others). */
  types?: readonly string[]
}

/** The bound of scorer(node), built the same way. */
function bound(node: Node, context: BoundContext): Bound | undefined {
  const textQuery = textQueryMatchOf(node)
  if (textQuery) {
    if (!textQuery.onDocument || textQuery.query === null) return undefined
    const match = matchBound(textQuery.query)
    if (!match) return undefined
    // An attribute's value is in the stored document at its path; anything else (`@`, arrays)
    // is some of the document's strings. `_originalId` is the view's: the stored `_id`.
    const path = attributePath(textQuery.left as unknown as Node)
    const at = path && path[0] !== '_originalId' ? path : []
    // A term's old spellings (variantSpellings) are probes of their own, their counts summed.
    const indexes = match.keys.map((spellings) =>
      spellings.map((key) => context.probe(at, key, context.types)),
    )
    const count = (unread: Unread, spellings: readonly number[]) => {
      let n = 0
      for (const i of spellings) n += unread.tally.counts[i]
      return n
    }
    return (unread) => {
      // A partial tally counts folded words: nothing to allow for (headsLeftOut).
      const dropped = unread.tally.partial ? 0 : unread.dropped
      const answer = match.bound(indexes.map((spellings) => count(unread, spellings) + dropped))
      return answer.m ? 1 + answer.s : 0
    }
  }
  if (node.type === 'FuncCall' && node.name === 'boost' && node.namespace === 'global') {
    const [inner, weight] = node.args as Node[]
    const b = inner && bound(inner, context)
    if (!b || weight?.type !== 'Value' || typeof weight.value !== 'number') return undefined
    const w = weight.value
    // A negative weight can take the exact score below 0; the bound stays at least that.
    return (unread) => {
      const s = b(unread)
      return s > 0 ? Math.max(0, s + w) : 0
    }
  }
  if (node.type === 'Or' || node.type === 'And') {
    // Where one side of an And tests `_type`, the other side's bound only matters for its types.
    const types =
      node.type === 'And' ? (typesOf(node.left as Node) ?? typesOf(node.right as Node)) : null
    const inner = types
      ? {...context, types: context.types ? context.types.filter((t) => types.includes(t)) : types}
      : context
    const left = bound(node.left as Node, inner)
    const right = bound(node.right as Node, inner)
    if (!left || !right) return undefined
    if (node.type === 'Or') return (unread) => left(unread) + right(unread)
    // groq-js's `&&` is 0 when a side scores 0, else the sum, a side below 0 included. A side's
    // bound of 0 says it scores 0 only when it cannot score below 0; else (a negative boost
    // weight, its bound kept at 0) the other side's bound bounds the sum.
    const [leftZero, rightZero] = [
      !mayBeNegative(node.left as Node),
      !mayBeNegative(node.right as Node),
    ]
    return (unread) => {
      const l = left(unread)
      if (l === 0 && leftZero) return 0
      const r = right(unread)
      return r === 0 && rightZero ? 0 : l + r
    }
  }
  return conditionBound(node, context)
}

/**
 * Whether scorer(node) may give less than 0: a boost by a negative weight (groq-js adds it to a
 * score above 0), or a sum or `&&` holding one.
 */
function mayBeNegative(node: Node): boolean {
  if (node.type === 'FuncCall' && node.name === 'boost' && node.namespace === 'global') {
    const weight = (node.args as Node[])[1]
    return weight?.type === 'Value' && typeof weight.value === 'number' && weight.value < 0
  }
  if (node.type === 'Or' || node.type === 'And') {
    return mayBeNegative(node.left as Node) || mayBeNegative(node.right as Node)
  }
  return false
}

/** The types `_type == "a"` or `_type in [...]` (strings) allows, or null for any other node. */
function typesOf(node: Node): string[] | null {
  if (node.type !== 'OpCall' || !condition(node) || (node.left as Node).name !== '_type')
    return null
  const right = (node.right as Node).value
  const values = (node.op === 'in' ? right : [right]) as unknown[]
  return values.every((v) => typeof v === 'string') ? (values as string[]) : null
}

/** 1 where condition(node) may hold, 0 where it cannot; undefined for a node it does not know. */
function conditionBound(node: Node, context: BoundContext): Bound | undefined {
  if (!condition(node)) return undefined
  if (node.type === 'OpCall') {
    // The store keeps `_type` beside the body: a string `_type` is the stored type.
    const types = typesOf(node)
    if (!types) return () => 1
    context.tested.push(...types)
    return (unread) => (types.includes(unread.tally.type) ? 1 : 0)
  }
  // references(…): the store's references answer who may hold one.
  const ids = referencedIds(node.args as Node[])!
  if (ids.length === 0) return () => 0
  const list = context.references.push([...new Set(ids)]) - 1
  return (unread) => (unread.referrers[list].has(unread.tally.id) ? 1 : 0)
}

/** `a.b.c` from the document: its attribute names, or null for anything else. */
function attributePath(node: Node): string[] | null {
  if (node.type !== 'AccessAttribute' || typeof node.name !== 'string') return null
  if (!node.base) return [node.name]
  const base = attributePath(node.base as Node)
  return base && [...base, node.name]
}

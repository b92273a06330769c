/**
 * Full-text candidates for the query planner (plan.ts): which conditions the store's search index
 * can answer, as SearchHints. Each hint is a superset (groq-js evaluates the query afterwards),
 * so a condition the index cannot answer exactly gives null (no narrowing), never a guess.
 *
 * - `L match text::query(Q)` (rewritten, see rewrite.ts): every word to find, by its keys or,
 *   for `word*`, as a prefix; only when L reads the document's own strings. Where L may read the
 *   document's own id, each term is marked `id`: the index leaves ids out, the store looks there.
 * - `L match P` (GROQ's match): every term's literal start (before `*` or `.`), in the index's
 *   copy of groq-js's tokens; only when L reads the document's own strings and P is constant.
 * - `references(ids)`: any of the ids among the document's `_ref`s.
 * - `*[…] | score(…) [_score > 0]`: a document survives only if some score() argument scores.
 */
import type {ExprNode} from 'groq-js'
import {searchKeys} from '../../bangla/index.ts'
import {referencedIds, type Node} from './groqTree.ts'
import type {SearchHint} from './store.ts'
import {encodeMatchText, groqMatchTerms, SKIPPED_KEYS} from './searchText.ts'
import {textQueryMatchOf} from './textQueryRewrite.ts'
import {parseTextQuery} from './textQuery.ts'

/** The search hint of a condition the index can answer, else null. */
export function searchHintOf(expr: ExprNode): SearchHint | null {
  const node = expr as unknown as Node
  const textQuery = textQueryMatchOf(node)
  if (textQuery) {
    const left = textQuery.left as unknown as Node
    if (textQuery.query === null || !readsDocument(left)) return null
    return textQueryHint(textQuery.query, readsOwnId(left))
  }
  if (node.type === 'OpCall' && node.op === 'match') return matchHint(node)
  if (node.type === 'FuncCall' && node.namespace === 'global' && node.name === 'references') {
    return referencesHint(node.args as Node[])
  }
  return null
}

function textQueryHint(query: string, id: boolean): SearchHint | null {
  const all: SearchHint[] = []
  const ownId = id ? {id} : {}
  for (const term of parseTextQuery(query)) {
    if (term.negated) continue
    const last = term.words.length - 1
    for (const [i, word] of term.words.entries()) {
      const any: SearchHint[] = searchKeys(word).map((key) => ({
        column: 'words',
        text: key,
        ...ownId,
      }))
      if (term.prefix && i === last) any.push({column: 'words', text: word, prefix: true, ...ownId})
      all.push({any})
    }
  }
  return all.length === 0 ? null : {all}
}

function matchHint(node: Node): SearchHint | null {
  const right = node.right as Node
  if (right.type !== 'Value' || !readsDocument(node.left as Node)) return null
  const patterns = typeof right.value === 'string' ? [right.value] : right.value
  if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) return null
  const ownId = readsOwnId(node.left as Node) ? {id: true} : {}
  const all: SearchHint[] = []
  for (const pattern of patterns as string[]) {
    for (const term of groqMatchTerms(pattern)) {
      // groq-js compares with a regex: `*` is any run and `.` any character.
      const literal = /^[^*.]*/.exec(term)![0]
      if (literal === '') continue
      const text = encodeMatchText(literal)
      all.push({column: 'tokens', text, prefix: literal !== term, ...ownId})
    }
  }
  return all.length === 0 ? null : {all}
}

function referencesHint(args: Node[]): SearchHint | null {
  const ids = referencedIds(args)
  // No id at all: references() is false everywhere.
  return ids ? {any: ids.map((id) => ({column: 'refs', text: id}))} : null
}

/**
 * Whether an expression's strings all come from the current document itself (its attributes,
 * array items, Portable Text), so the document's index row holds them. Keys the index skips,
 * references (`->`), projections and parents are out.
 */
function readsDocument(node: Node | undefined): boolean {
  if (!node) return true
  switch (node.type) {
    case 'This':
      return true
    case 'AccessAttribute':
      return !SKIPPED_KEYS.has(node.name as string) && readsDocument(node.base as Node | undefined)
    case 'AccessElement':
    case 'ArrayCoerce':
    case 'Slice':
    case 'Group':
      return readsDocument(node.base as Node)
    case 'Filter':
      return readsDocument(node.base as Node)
    case 'Array':
      return (node.elements as Node[]).every((element) => readsDocument(element.value as Node))
    case 'FuncCall':
      return (
        node.namespace === 'pt' &&
        node.name === 'text' &&
        (node.args as Node[]).length === 1 &&
        readsDocument((node.args as Node[])[0])
      )
    default:
      return false
  }
}

/**
 * Whether an expression readsDocument accepts may give the document's own id, which the index
 * leaves out (searchIndex.ts): any `_id` or `_originalId` (a view's stored id) in it, wherever,
 * since telling a nested one from the document's own is not worth a missed candidate.
 */
function readsOwnId(node: Node | undefined): boolean {
  if (!node) return false
  switch (node.type) {
    case 'AccessAttribute':
      return node.name === '_id' || node.name === '_originalId' || readsOwnId(node.base as Node)
    case 'AccessElement':
    case 'ArrayCoerce':
    case 'Slice':
    case 'Group':
    case 'Filter':
      return readsOwnId(node.base as Node)
    case 'Array':
      return (node.elements as Node[]).some((element) => readsOwnId(element.value as Node))
    case 'FuncCall':
      return (node.args as Node[]).some(readsOwnId)
    default:
      return false
  }
}

/**
 * For `base | score(args) [_score > 0]`: the documents that can score above zero, as a hint
 * built with the planner's own `hintOf`, `intersect` and `union` for plain conditions. In
 * groq-js a boost() scores when its first argument does, And when both sides do, Or when either
 * does, a match when any term is found, anything else when it is true.
 */
export function scoreHint<H>(
  args: readonly ExprNode[],
  ops: {
    hintOf: (expr: Node) => H | null
    intersect: (a: H, b: H) => H
    union: (a: H, b: H) => H | null
  },
): H | null {
  const argHint = (node: Node): H | null => {
    if (node.type === 'FuncCall' && node.name === 'boost' && !textQueryMatchOf(node)) {
      return argHint((node.args as Node[])[0])
    }
    if (node.type === 'And') {
      const [l, r] = [argHint(node.left as Node), argHint(node.right as Node)]
      return l && r ? ops.intersect(l, r) : (l ?? r)
    }
    if (node.type === 'Or') {
      const [l, r] = [argHint(node.left as Node), argHint(node.right as Node)]
      return l && r ? ops.union(l, r) : null
    }
    if (node.type === 'OpCall' && node.op === 'match') {
      // A score counts any term found: one hint per term, any of them.
      const right = node.right as Node
      const patterns =
        right.type === 'Value' && typeof right.value === 'string' ? groqMatchTerms(right.value) : []
      let out: H | null = null
      for (const term of patterns) {
        const hint = ops.hintOf({...node, right: {type: 'Value', value: term}})
        if (!hint) return null
        out = out ? ops.union(out, hint) : hint
        if (!out) return null
      }
      return out
    }
    return ops.hintOf(node)
  }
  let out: H | null = null
  for (const arg of args) {
    const hint = argHint(arg as unknown as Node)
    if (!hint) return null
    out = out ? ops.union(out, hint) : hint
    if (!out) return null
  }
  return out
}

/** `[_score > 0]` (or `> n`, `>= n` with n > 0): only documents that scored. */
export function isScoredFilter(expr: ExprNode): boolean {
  const node = expr as unknown as Node
  if (node.type !== 'OpCall' || (node.op !== '>' && node.op !== '>=')) return false
  const left = node.left as Node
  const right = node.right as Node
  if (left.type !== 'AccessAttribute' || left.name !== '_score' || left.base) return false
  if (right.type !== 'Value' || typeof right.value !== 'number') return false
  return node.op === '>' ? right.value >= 0 : right.value > 0
}

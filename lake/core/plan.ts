/**
 * Candidate narrowing: reads the GROQ AST for the one `*[…]` a query scans and turns the
 * conditions the store can index (`_type`, `_id`, `path()`) into a ScanHint. groq-js still
 * evaluates the whole query, so a hint only has to be a superset of the matches.
 */
import type {ExprNode} from 'groq-js'
import type {ScanHint} from '../store/types.ts'

export interface QueryPlan {
  /** How often `*` appears: 0 means the query needs no documents at all. */
  everything: number
  /** Set when the only `*` is filtered by indexable conditions. */
  hint: ScanHint | null
}

type Node = {type: string; [key: string]: unknown}

export function planQuery(tree: ExprNode): QueryPlan {
  const filters: Node[] = []
  let everything = 0
  visit(tree as unknown as Node, null, (node, parent) => {
    if (node.type !== 'Everything') return
    everything++
    if (parent?.type === 'Filter' && parent.base === node) filters.push(parent)
  })
  if (everything !== 1 || filters.length !== 1) return {everything, hint: null}
  return {everything, hint: hintOf(filters[0].expr as Node)}
}

function visit(node: unknown, parent: Node | null, fn: (node: Node, parent: Node | null) => void) {
  if (Array.isArray(node)) {
    for (const child of node) visit(child, parent, fn)
    return
  }
  if (!node || typeof node !== 'object') return
  const n = node as Node
  if (typeof n.type === 'string') fn(n, parent)
  for (const [key, child] of Object.entries(n)) {
    // Literal values can hold objects with a `type` field that are data, not syntax.
    if (n.type === 'Value' && key === 'value') continue
    if (child && typeof child === 'object')
      visit(child, typeof n.type === 'string' ? n : parent, fn)
  }
}

function hintOf(expr: Node): ScanHint | null {
  switch (expr.type) {
    case 'Group':
      return hintOf(expr.base as Node)
    case 'And': {
      const left = hintOf(expr.left as Node)
      const right = hintOf(expr.right as Node)
      if (!left || !right) return left ?? right
      return intersect(left, right)
    }
    case 'Or': {
      const left = hintOf(expr.left as Node)
      const right = hintOf(expr.right as Node)
      return left && right ? union(left, right) : null
    }
    case 'OpCall':
      return comparison(expr)
    default:
      return null
  }
}

function comparison(expr: Node): ScanHint | null {
  const op = expr.op
  const left = expr.left as Node
  const right = expr.right as Node
  if (op === '==') {
    const [attr, value] = attribute(left) ? [attribute(left), right] : [attribute(right), left]
    const literal = stringsOf(value, false)
    if (!attr || !literal) return null
    return attr === '_id' ? {ids: literal} : {types: literal}
  }
  if (op === 'in') {
    const attr = attribute(left)
    if (!attr) return null
    if (attr === '_id' && right.type === 'FuncCall' && right.name === 'path') {
      return pathHint(right.args as Node[])
    }
    const values = stringsOf(right, true)
    if (!values) return null
    return attr === '_id' ? {ids: values} : {types: values}
  }
  return null
}

/** `_id` or `_type` of the current document (`_id`, `@._id`), else null. */
function attribute(node: Node): '_id' | '_type' | null {
  if (node.type !== 'AccessAttribute') return null
  const base = node.base as Node | undefined
  if (base && base.type !== 'This') return null
  return node.name === '_id' || node.name === '_type' ? node.name : null
}

/** Literal strings (or an array of them when `list`); null when anything else is possible. */
function stringsOf(node: Node, list: boolean): string[] | null {
  if (node.type === 'Value') {
    const value = node.value
    if (!list) return typeof value === 'string' ? [value] : null
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null
  }
  if (list && node.type === 'Array') {
    const out: string[] = []
    for (const element of node.elements as Node[]) {
      const inner = element.value as Node
      if (element.isSplat || inner.type !== 'Value' || typeof inner.value !== 'string') return null
      out.push(inner.value)
    }
    return out
  }
  return null
}

/** `path("drafts.**")` → prefix `drafts.`; a glob without wildcards is an exact id. */
function pathHint(args: Node[]): ScanHint | null {
  const glob = args[0]?.type === 'Value' ? args[0].value : null
  if (typeof glob !== 'string') return null
  const star = glob.indexOf('*')
  if (star === -1) return {ids: [glob]}
  return {idPrefixes: [glob.slice(0, star)]}
}

function intersect(a: ScanHint, b: ScanHint): ScanHint {
  const out: ScanHint = {...a}
  if (b.ids) out.ids = a.ids ? a.ids.filter((id) => b.ids!.includes(id)) : b.ids
  if (b.types) out.types = a.types ? a.types.filter((t) => b.types!.includes(t)) : b.types
  if (b.idPrefixes && !a.idPrefixes) out.idPrefixes = b.idPrefixes
  return out
}

/** Two hints on the same single field widen into one; anything else cannot be indexed. */
function union(a: ScanHint, b: ScanHint): ScanHint | null {
  const fields = (h: ScanHint) => Object.keys(h).filter((k) => h[k as keyof ScanHint] !== undefined)
  const [fa, fb] = [fields(a), fields(b)]
  if (fa.length !== 1 || fb.length !== 1 || fa[0] !== fb[0]) return null
  const key = fa[0] as 'ids' | 'types' | 'idPrefixes'
  return {[key]: [...new Set([...a[key]!, ...b[key]!])]}
}

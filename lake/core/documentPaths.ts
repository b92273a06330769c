/**
 * The parts of a document a filter reads. A scan over an attribute outside the side table
 * (`length(body[1].children[0].text) > 150`) need not parse every body: the store hands over the
 * values at these paths only (SQLite's `->`, in C), groq-js runs the filter on stand-ins built
 * from them, and only matching documents are read whole. A stand-in holds the exact value at every
 * path the filter reads, so the filter cannot tell it from the document.
 */
import type {ExprNode} from 'groq-js'
import type {Node} from './groqTree.ts'
import {textQueryMatchOf} from './textQueryRewrite.ts'

/** Object keys and (non-negative) array indexes from the document root. */
export type DocumentPath = readonly (string | number)[]

/** Node types whose semantics the walk below knows (anything else: the whole document). */
const KNOWN = new Set([
  'Value',
  'Parameter',
  'And',
  'Or',
  'Not',
  'Neg',
  'Pos',
  'Group',
  'OpCall',
  'FuncCall',
  'AccessAttribute',
  'AccessElement',
  'Slice',
  'Array',
  'ArrayElement',
  'Object',
  'ObjectAttributeValue',
  'Filter',
  'Map',
  'FlatMap',
  'Projection',
  'ArrayCoerce',
  'Deref',
  'Select',
  'SelectAlternative',
  'InRange',
  'Tuple',
  'This',
])

/** Nodes whose `expr` runs once per element, with `@` the element. */
const PER_ELEMENT = new Set(['Filter', 'Map', 'FlatMap', 'Projection'])

/** Function namespaces that only read their arguments (not the current document behind them). */
const PURE_NAMESPACES = new Set(['string', 'math', 'array', 'dateTime', 'pt'])

/**
 * The paths the filters read from the document, shortest first and none a prefix of another;
 * null when a filter reads the document other than through attribute and element access (`@`
 * itself, a `^` back to it, references(), an unknown function or node) or more than
 * MAX_DOCUMENT_PATHS paths, so only the whole body will do. A `^` past the document reads the scope it is evaluated in, not the document.
 */
export function documentPaths(filters: readonly ExprNode[]): DocumentPath[] | null {
  const paths: DocumentPath[] = []
  /** Walks `node`; `depth` 0 is the document's own scope. False: the whole document is needed. */
  const walk = (node: Node, depth: number): boolean => {
    if (!KNOWN.has(node.type)) return false
    // A rewritten text::query match reads its document by id from the query's documents
    // (textQueryRewrite.ts), behind the tree's back: a stand-in would be searched instead.
    if (textQueryMatchOf(node)) return false
    if (depth === 0) {
      const path = chainPath(node)
      if (path) {
        if (path.length === 0) return false
        paths.push(path)
        return true
      }
      if (node.type === 'This') return false
    }
    if (node.type === 'FuncCall') {
      const namespace = node.namespace as string
      if (namespace === 'global' ? node.name === 'references' : !PURE_NAMESPACES.has(namespace)) {
        return false
      }
    }
    // `@{…}` (how `*[…]{…}` parses per document): the object's scope is the document's own.
    const projectsThis =
      node.type === 'Projection' && (node.base as Node | undefined)?.type === 'This'
    for (const [key, child] of Object.entries(node)) {
      if (projectsThis && key === 'base') continue
      const inner =
        PER_ELEMENT.has(node.type) && key === 'expr' && !projectsThis ? depth + 1 : depth
      for (const item of Array.isArray(child) ? child : [child]) {
        if (!item || typeof item !== 'object' || typeof (item as Node).type !== 'string') continue
        if ((item as Node).type === 'Parent') {
          // A `^` past the document's own scope reads the scope around it, never the document
          // (`*[section == ^.section]` inside another's projection); one within reaches the
          // document or part of it by a way no path names.
          if (((item as Node).n as number) > inner) continue
          return false
        }
        if (!walk(item as Node, inner)) return false
      }
    }
    return true
  }
  for (const filter of filters) if (!walk(filter as unknown as Node, 0)) return null
  const read = minimal(paths)
  return read.length > MAX_DOCUMENT_PATHS ? null : read
}

/**
 * Past this many paths the whole body is read instead: the store reads each path as a column
 * (SQLite's limit is 2,000 a result), and a body is then cheaper to read than its parts.
 */
export const MAX_DOCUMENT_PATHS = 500

/**
 * The path of a chain of attribute and element accesses starting at the current document
 * (`a.b[1].c`, `@.a`); [] for `@` itself; null when `node` is not such a chain.
 */
function chainPath(node: Node): (string | number)[] | null {
  const path: (string | number)[] = []
  let current: Node | undefined = node
  while (current) {
    if (current.type === 'AccessAttribute') {
      const name = current.name as string
      // SQLite's JSON path quotes keys with "…"; a key holding `"` or `\` is read whole.
      if (/["\\]/.test(name)) return null
      path.unshift(name)
    } else if (current.type === 'AccessElement') {
      const index = current.index as number
      if (!Number.isInteger(index) || index < 0) return null
      path.unshift(index)
    } else if (current.type === 'This') {
      return path
    } else {
      return null
    }
    current = current.base as Node | undefined
  }
  // A bare attribute (`title`) has no base: it reads the current document.
  return typeof path[0] === 'string' ? path : null
}

/** Drops paths that another path is a prefix of (the shorter one holds them). */
function minimal(paths: DocumentPath[]): DocumentPath[] {
  const sorted = [...paths].sort((a, b) => a.length - b.length)
  const out: DocumentPath[] = []
  for (const path of sorted) {
    if (!out.some((kept) => kept.every((part, i) => part === path[i]))) out.push(path)
  }
  return out
}

/**
 * A stand-in document: `_id`, `_type` and the value at each path (`undefined` where the document
 * has none), nested as in the document.
 */
export function standIn(
  id: string,
  type: string,
  paths: readonly DocumentPath[],
  values: readonly unknown[],
): Record<string, unknown> {
  const doc: Record<string, unknown> = {_id: id, _type: type}
  paths.forEach((path, i) => {
    if (values[i] === undefined) return
    let target = doc as Record<string | number, unknown>
    for (let k = 0; k < path.length - 1; k++) {
      if (!Object.hasOwn(target, path[k])) {
        defineField(target, path[k], typeof path[k + 1] === 'number' ? [] : {})
      }
      target = target[path[k]] as Record<string | number, unknown>
    }
    defineField(target, path[path.length - 1], values[i])
  })
  return doc
}

/**
 * Sets an own field of a document being built. `__proto__` is defined, not assigned: assigned, it
 * would set the object's prototype instead (and for `__proto__.x`, Object.prototype's `x`, which
 * every object in the process then has). Callers test Object.hasOwn, not the value, before
 * descending: `constructor.prototype` is there on every object too.
 */
export function defineField(
  target: Record<string | number, unknown>,
  key: string | number,
  value: unknown,
): void {
  if (key !== '__proto__') target[key] = value
  else
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
}

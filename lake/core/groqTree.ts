/**
 * What the lake reads off groq-js's syntax tree in more than one place: the planner (plan.ts,
 * searchHints.ts), the text::query rewrite, the ranked-search shortcut (scoreTopK.ts) and the
 * in-place check (query/inPlace.ts) each walk the tree, and agree here on what its nodes mean.
 */

/** A groq-js tree node read generically: its type, and whatever fields that type has. */
export type Node = {type: string; [key: string]: unknown}

/**
 * `a.b` as its names ['a', 'b'] and what the chain starts from: undefined or `@` (This) for the
 * scope's own value, `^` (Parent) for the one around it, or any other node. Null when `node` is
 * no attribute access.
 */
export function attributeChain(node: Node): {path: string[]; root: Node | undefined} | null {
  const path: string[] = []
  let current: Node | undefined = node
  while (current?.type === 'AccessAttribute') {
    path.unshift(current.name as string)
    current = current.base as Node | undefined
  }
  return path.length > 0 ? {path, root: current} : null
}

/**
 * Global functions linear in their arguments (no string::split, array::*, math::*, …) that give a
 * value (or null) for any argument, never an error but round()'s precision past 100 (a QueryError
 * wherever it is evaluated: toQueryError): the in-place check (query/inPlace.ts) may run
 * them on the event loop, and a correlated subquery (correlated.ts) on fewer documents than groq-js
 * would. `path()` only with a pattern linearGlob accepts.
 */
export const PLAIN_FUNCTIONS: ReadonlySet<string> = new Set([
  'coalesce',
  'count',
  'dateTime',
  'defined',
  'identity',
  'length',
  'lower',
  'now',
  'references',
  'round',
  'string',
  'upper',
])

/**
 * Node types that evaluate their children in their own scope (`@` stays what it is). The others
 * open a scope (Filter, Map, FlatMap, Projection, PipeFuncCall) or are leaves.
 */
export const SAME_SCOPE: ReadonlySet<string> = new Set([
  'AccessAttribute',
  'AccessElement',
  'And',
  'Array',
  'ArrayCoerce',
  'ArrayElement',
  'Deref',
  'FuncCall',
  'Group',
  'InRange',
  'Neg',
  'Not',
  'Object',
  'ObjectAttributeValue',
  'ObjectConditionalSplat',
  'ObjectSplat',
  'OpCall',
  'Or',
  'Pos',
  'Select',
  'SelectAlternative',
  'Slice',
  'Tuple',
])

/** Whether `node` is `*` or filters over it only (`*[a][b]`): its elements are documents. */
export function overDocuments(node: unknown): boolean {
  let chain = node as Node | undefined
  while (chain?.type === 'Filter') chain = chain.base as Node
  return chain?.type === 'Everything'
}

/**
 * The ids a `references(…)` call looks for, collected as groq-js does: each string argument, and
 * the strings of each array argument (anything else adds nothing). An array written out in the
 * query (`["a", "b"]`) is an Array node of literals, one passed as a parameter a Value (parse
 * inlines parameters). Undefined when an argument is known only at evaluation (`^._id`).
 */
export function referencedIds(args: readonly Node[]): string[] | undefined {
  const ids: string[] = []
  for (const arg of args) {
    // Any other node (`^._id`, `source._ref`) is known only at evaluation, not null.
    const value =
      arg.type === 'Array' ? literalArray(arg) : arg.type === 'Value' ? arg.value : undefined
    if (value === undefined) return undefined
    if (typeof value === 'string') ids.push(value)
    else if (Array.isArray(value))
      ids.push(...value.filter((v): v is string => typeof v === 'string'))
  }
  return ids
}

/** The values of an Array node of literals and such arrays (no splat), else undefined. */
function literalArray(node: Node): unknown[] | undefined {
  const values: unknown[] = []
  for (const element of node.elements as Node[]) {
    const inner = element.value as Node
    const value = element.isSplat
      ? undefined
      : inner.type === 'Value'
        ? inner.value
        : inner.type === 'Array'
          ? literalArray(inner)
          : undefined
    if (value === undefined) return undefined
    values.push(value)
  }
  return values
}

/**
 * Whether a `path(…)` call's cost is linear in the string it is matched against: its pattern is a
 * literal (parse inlines parameters) with at most one wildcard segment (`*` or `**`). groq-js
 * turns `**` into `.*` and `*` into `[^.]+`, and joins the segments with an unescaped `.` (any
 * character), so k wildcards backtrack up to n^k steps on an n-character string: fourteen `**`
 * on a 29-character id held the event loop for seconds, fourteen `*` on a 46-character one for
 * 111 s. One wildcard (`drafts.**`, `versions.**`, the Studio's patterns) is a single pass.
 */
export function linearGlob(node: Node): boolean {
  if (node.type !== 'FuncCall' || node.namespace !== 'global' || node.name !== 'path') return false
  const args = node.args as Node[]
  if (args.length !== 1 || args[0]!.type !== 'Value') return false
  const pattern = args[0]!.value
  return (
    typeof pattern === 'string' &&
    pattern.split('.').filter((s) => s === '*' || s === '**').length <= 1
  )
}

/**
 * Whether `node`, evaluated `depth` scopes inside a filter's, reads `^` past that filter's
 * document. Only a filter's or projection's expression is counted as a scope (a Map's or FlatMap's
 * is hidden from `^`): other scopes (order()'s keys) are not, which may only call a `^` outer.
 */
export function readsOuterScope(node: unknown, depth: number): boolean {
  if (Array.isArray(node)) return node.some((child) => readsOuterScope(child, depth))
  if (!node || typeof node !== 'object') return false
  const n = node as Node
  if (n.type === 'Parent') return (n.n as number) > depth
  if (n.type === 'Value') return false
  return Object.entries(n).some(([key, child]) =>
    readsOuterScope(
      child,
      key === 'expr' && (n.type === 'Filter' || n.type === 'Projection') ? depth + 1 : depth,
    ),
  )
}

/** Calls `fn` on every node of a tree (arrays of nodes too), with its nearest parent node. */
export function visitTree(
  node: unknown,
  parent: Node | null,
  fn: (node: Node, parent: Node | null) => void,
): void {
  if (Array.isArray(node)) {
    for (const child of node) visitTree(child, parent, fn)
    return
  }
  if (!node || typeof node !== 'object') return
  const n = node as Node
  if (typeof n.type === 'string') fn(n, parent)
  for (const [key, child] of Object.entries(n)) {
    // Literal values can hold objects with a `type` field that are data, not syntax.
    if (n.type === 'Value' && key === 'value') continue
    if (child && typeof child === 'object')
      visitTree(child, typeof n.type === 'string' ? n : parent, fn)
  }
}

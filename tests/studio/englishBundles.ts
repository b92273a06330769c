// The Studio's own US-English resources for the namespaces studio/bn-BD.ts translates, read from the
// installed packages (the bundles are chunks with hashed names, so they are found by their call).
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const PLACES = [
  join(ROOT, 'node_modules/sanity/lib'),
  join(ROOT, 'node_modules/@sanity/vision/lib'),
]

export type Resources = Record<string, string>

/** The object literal passed to `defineLocalesResources("<namespace>", {…})`. */
function extract(source: string, namespace: string): Resources | null {
  const start = source.indexOf(`defineLocalesResources("${namespace}", {`)
  if (start < 0) return null
  let index = source.indexOf('{', start)
  const open = index
  let depth = 0
  let quote: string | null = null
  for (; index < source.length; index++) {
    const char = source[index]
    if (quote) {
      if (char === '\\') index++
      else if (char === quote) quote = null
    } else if (char === '"' || char === "'" || char === '`') quote = char
    else if (char === '/' && source[index + 1] === '*') index = source.indexOf('*/', index) + 1
    else if (char === '{') depth++
    else if (char === '}' && --depth === 0) break
  }
  // Only string keys, string values and comments: safe to evaluate as a literal.
  return new Function(`return (${source.slice(open, index + 1)})`)() as Resources
}

const cache = new Map<string, Resources>()

export function englishResources(namespace: string): Resources {
  const cached = cache.get(namespace)
  if (cached) return cached
  for (const dir of PLACES) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.js')) continue
      const found = extract(readFileSync(join(dir, name), 'utf8'), namespace)
      if (found) {
        cache.set(namespace, found)
        return found
      }
    }
  }
  throw new Error(`No US-English resources for namespace "${namespace}" in the installed Studio`)
}

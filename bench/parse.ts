/**
 * `npx node bench/parse.ts [--rounds N] [--work M,M,…]`: groq-js's parse time by query shape at
 * given amounts of the lake's parse-work estimate (`scanQueryText`'s `work`, in millions; default
 * 1, 8 and 32, the limit `LIMITS.query.parseWork`), in this process, as ratios to a small `||`
 * chain (1 M) parsed in the same rounds. Each round parses every query once, in a shuffled order,
 * so load that comes and goes falls on every shape alike; the median of the rounds is printed with
 * the load average. Shapes: chains (`||`, `==` within `||`, `+`), lists, objects, pipes, postfix
 * slices, `select()` arms, an `in` list, a `score()` chain, the Studio's legacy search (groups of
 * 30 `match` terms joined by `&&`) and one operand of many marks (nested lists) followed by many small ones: the shapes
 * whose marks groq-js copies per item. Nothing is written to bench/results.
 */
import {loadavg} from 'node:os'
import {parseArgs} from 'node:util'
import {parse} from 'groq-js'
import {LIMITS, scanQueryText} from '../lake/core/limits.ts'

const {values} = parseArgs({
  options: {rounds: {type: 'string', default: '7'}, work: {type: 'string'}},
})
const rounds = Number(values.rounds)
const works = (values.work ?? `1,8,${LIMITS.query.parseWork / 1e6}`).split(',').map(Number)

const list = (n: number, item: (i: number) => string, sep: string) =>
  Array.from({length: n}, (_, i) => item(i)).join(sep)
/** Arrays nested `depth` deep, 2^depth names: many marks, little work of their own. */
const nested = (depth: number): string =>
  depth === 0 ? 'a' : `[${nested(depth - 1)}, ${nested(depth - 1)}]`
const group = (i: number) => '(' + list(30, (j) => `f${j}.x match $w${i}`, ' || ') + ')'

const SHAPES: Record<string, (n: number) => string> = {
  'a || b': (n) => list(n, (i) => `a${i}`, ' || '),
  'a == 1 || …': (n) => list(n, (i) => `a == ${i}`, ' || '),
  '1 + 2 + …': (n) => list(n, (i) => `${i}`, ' + '),
  '[1, 2, …]': (n) => '[' + list(n, (i) => `${i}`, ', ') + ']',
  '{"k": 1, …}': (n) => '{' + list(n, (i) => `"k${i}": ${i}`, ', ') + '}',
  '*|order(a)…': (n) => '*' + '|order(a)'.repeat(n),
  '*[0][0]…': (n) => '*' + '[0]'.repeat(n),
  'select(…)': (n) => 'select(' + list(n, (i) => `a == ${i} => ${i}`, ', ') + ')',
  'in [...]': (n) => '*[_id in [' + list(n, (i) => `"x${i}"`, ', ') + ']]',
  'score(… || …)': (n) => '*|score(' + list(n, (i) => `a match "w${i}"`, ' || ') + ')',
  'legacy groups': (n) => '*[_type in $t && ' + list(n, group, ' && ') + ']',
  'large first': (n) => `*[${nested(13)} || ${list(n, () => 'a', ' || ')}]`,
}

/**
 * The largest n whose query's estimated work is at most `work` within a signed-in caller's terms
 * (a shape of little work, as a list, is measured at the terms' limit).
 */
function sized(make: (n: number) => string, work: number): {query: string; n: number} {
  const fits = (n: number) => {
    const scan = scanQueryText(make(n))
    return scan.work <= work && scan.terms <= LIMITS.query.termsSignedIn
  }
  let lo = 1
  let hi = 2
  while (fits(hi)) hi *= 2
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (fits(mid)) lo = mid
    else hi = mid
  }
  return {query: make(lo), n: lo}
}

function parseMs(query: string): number {
  const started = performance.now()
  try {
    parse(query)
  } catch {
    // A syntax error past the parse (a stack overflow building the tree) still measured the parse.
  }
  return performance.now() - started
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

const reference = sized(SHAPES['a || b']!, 1e6).query
const cases = Object.entries(SHAPES).flatMap(([shape, make]) =>
  works.map((work) => ({shape, work, ...sized(make, work * 1e6)})),
)
const times = new Map<string, number[]>()
const referenceTimes: number[] = []
const loadBefore = loadavg()
for (let round = 0; round < rounds; round++) {
  const order = [...cases].sort(() => Math.random() - 0.5)
  referenceTimes.push(parseMs(reference))
  for (const c of order) {
    const key = `${c.shape}@${c.work}`
    times.set(key, [...(times.get(key) ?? []), parseMs(c.query)])
  }
}
const loadAfter = loadavg()
const ref = median(referenceTimes)
console.log(
  `groq-js parse, median of ${rounds} rounds; reference: a || b chain at 1 M work, ${ref.toFixed(1)} ms`,
)
console.log(
  `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
)
console.log(
  ['shape'.padEnd(16), ...works.map((w) => `${w} M: n, ms, × ref`.padEnd(28))].join(' | '),
)
for (const shape of Object.keys(SHAPES)) {
  const cells = works.map((work) => {
    const c = cases.find((x) => x.shape === shape && x.work === work)!
    const ms = median(times.get(`${shape}@${work}`)!)
    return `${c.n}, ${ms.toFixed(1)}, ${(ms / ref).toFixed(1)}`.padEnd(28)
  })
  console.log([shape.padEnd(16), ...cells].join(' | '))
}

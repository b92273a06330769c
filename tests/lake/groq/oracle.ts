/** groq-js over the stored documents: what the differential and planner suites expect. */
import {evaluate, parse, type DereferenceFunction} from 'groq-js'
import type {GeneratedQuery} from './generate.ts'
import {
  applyPerspective,
  perspectiveParam,
  type Perspective,
  type StoredDocument,
} from './perspective.ts'

/** Per stored set: each perspective's documents and their ids, computed once for all queries. */
const views = new WeakMap<
  StoredDocument[],
  Map<string, {dataset: StoredDocument[]; dereference: DereferenceFunction}>
>()

function viewOf(documents: StoredDocument[], perspective: Perspective) {
  let byPerspective = views.get(documents)
  if (!byPerspective) views.set(documents, (byPerspective = new Map()))
  const key = perspectiveParam(perspective)
  let view = byPerspective.get(key)
  if (!view) {
    const dataset = applyPerspective(documents, perspective)
    // What groq-js's own `->` finds, the first document with the id, from a map: groq-js walks
    // the dataset for every dereference, one awaited step per document, which made the oracle
    // quadratic (a second per query over 1,500 documents).
    const byId = new Map<string, StoredDocument>()
    for (const doc of dataset) if (!byId.has(doc._id)) byId.set(doc._id, doc)
    const dereference: DereferenceFunction = (ref) => byId.get(ref._ref) ?? null
    byPerspective.set(key, (view = {dataset, dereference}))
  }
  return view
}

/**
 * The result groq-js gives for `generated` over `documents` in `perspective`, as JSON; with
 * `ownDereference`, groq-js dereferences by itself (the suites check once that both agree).
 */
export async function groqJs(
  documents: StoredDocument[],
  perspective: Perspective,
  generated: GeneratedQuery,
  {ownDereference = false} = {},
): Promise<unknown> {
  const {dataset, dereference} = viewOf(documents, perspective)
  const tree = parse(generated.query, {params: generated.params})
  const value = await evaluate(tree, {
    dataset,
    params: generated.params,
    ...(ownDereference ? {} : {dereference}),
  })
  return JSON.parse(JSON.stringify((await value.get()) ?? null))
}

/**
 * The harness of the correlated-subquery tests (tests/lake/core/correlated*.test.ts): each query
 * answered by the lake's engine over a store must equal groq-js's answer over the whole
 * perspective view, signed in and anonymous, and a keyed shape must read few bodies.
 */
import {expect} from 'vitest'
import {parseQuery, evaluateQuery} from '../../lake/core/query.ts'
import {applyPerspective, parsePerspective} from '../../lake/core/perspective.ts'
import {executeQuery} from '../../lake/query/execute.ts'
import {PUBLIC_READER} from '../../lake/core/grants.ts'
import {countingBodies} from './store.ts'
import type {Store} from '../../lake/core/store.ts'
import type {SanityDocument} from '../../lake/core/types.ts'

export const ADMIN = {id: 'admin', kind: 'user', role: 'administrator'} as const
export const env = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}
export const PERSPECTIVES = ['raw', 'published', 'drafts', 'previewDrafts', 'r1,drafts', 'r1']

/**
 * The oracle's input: the store's documents as a caller sees them in perspective `name`
 * (anonymous: no draft or version ids), layered once per perspective and caller (the store must
 * not change meanwhile), a copy each call so that no evaluation alters the next one's.
 */
export function perspectiveViews(
  store: () => Store,
): (name: string, anonymous: boolean) => SanityDocument[] {
  const views = new Map<string, SanityDocument[]>()
  return (name, anonymous) => {
    const key = `${name}/${anonymous}`
    let view = views.get(key)
    if (!view) {
      const stored = [...store().scan()].filter((doc) => !anonymous || !doc._id.includes('.'))
      view = applyPerspective(stored, parsePerspective(name, '2025-02-19'), '2025-02-19')
      views.set(key, view)
    }
    return structuredClone(view)
  }
}

/**
 * Every query of `keyed` and `unkeyed` in perspective `name`, signed in and anonymous: the lake's
 * answer equals groq-js's over `fullView`; a keyed one reads fewer than 60 bodies (the whole view,
 * read once per outer document, is hundreds; the keyed shapes read the outer documents and what
 * they return).
 */
export async function expectAnswersAsGroq(
  store: Store,
  name: string,
  keyed: readonly string[],
  unkeyed: readonly string[],
  fullView: (name: string, anonymous: boolean) => SanityDocument[],
): Promise<void> {
  const counting = countingBodies(store)
  for (const query of [...keyed, ...unkeyed]) {
    for (const principal of [ADMIN, PUBLIC_READER]) {
      counting.reset()
      const request = {query, params: {}, perspective: name, apiVersion: '2025-02-19'}
      const result = await executeQuery(counting.store, request, principal, env)
      const view = fullView(name, principal !== ADMIN)
      const where = `${principal.id} ${name}: ${query}`
      expect(result, where).toEqual(await evaluateQuery(parseQuery(query), view, {params: {}}))
      if (keyed.includes(query)) expect(counting.parsed(), where).toBeLessThan(60)
    }
  }
}

/**
 * The harness of the correlated-subquery tests (tests/lake/core/correlated*.test.ts): a store of
 * the file's fixture, opened before its tests and closed after them; each query answered by the
 * lake's engine over it must equal groq-js's answer over the whole perspective view, signed in and
 * anonymous, and a keyed shape must read few bodies.
 */
import {afterAll, beforeAll, expect, test} from 'vitest'
import {parseQuery, evaluateQuery} from '../../lake/core/query.ts'
import {applyPerspective, parsePerspective} from '../../lake/core/perspective.ts'
import {executeQuery} from '../../lake/query/execute.ts'
import {PUBLIC_READER} from '../../lake/core/grants.ts'
import {countingBodies, memoryStore} from './store.ts'
import type {Store} from '../../lake/core/store.ts'
import type {SanityDocument} from '../../lake/core/types.ts'

export const ADMIN = {id: 'admin', kind: 'user', role: 'administrator'} as const
export const env = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}
export const PERSPECTIVES = ['raw', 'published', 'drafts', 'previewDrafts', 'r1,drafts', 'r1']

export interface CorrelatedStore {
  /** The file's store (open between its beforeAll and afterAll). */
  store(): Store
  /** The store's documents as a caller sees them in perspective `name` (perspectiveViews). */
  fullView(name: string, anonymous?: boolean): SanityDocument[]
  /**
   * One test per perspective (`title` with `%s` for its name): every query of `keyed` and
   * `unkeyed` answers as groq-js over the whole view, signed in and anonymous, and a keyed one
   * reads fewer than 60 bodies (expectAnswersAsGroq).
   */
  eachPerspective(title: string, keyed: readonly string[], unkeyed: readonly string[]): void
  /** The store with `overrides` (a spy on what the engine asks of it). */
  spied(overrides: Partial<Store>): Store
  /**
   * The lake's answer to `query` in `perspective`, signed in, over `over` (the store by default),
   * after checking that it equals groq-js's over the whole view.
   */
  expectAsGroq(query: string, perspective: string, over?: Store): Promise<unknown>
}

/**
 * Registers the file's beforeAll (an in-memory store of `fixture()`) and afterAll (its close), and
 * gives what its tests ask of the store.
 */
export function correlatedStore(fixture: () => SanityDocument[]): CorrelatedStore {
  let opened: Store | undefined
  beforeAll(async () => {
    opened = await memoryStore(fixture())
  })
  afterAll(() => opened?.close())
  const store = (): Store => {
    if (!opened) throw new Error('the correlated store is open only while the file’s tests run')
    return opened
  }
  const views = perspectiveViews(store)
  const fullView = (name: string, anonymous = false) => views(name, anonymous)
  return {
    store,
    fullView,
    eachPerspective: (title, keyed, unkeyed) =>
      test.each(PERSPECTIVES)(title, (name) =>
        expectAnswersAsGroq(store(), name, keyed, unkeyed, fullView),
      ),
    spied: (overrides) => Object.assign(Object.create(store()) as Store, overrides),
    expectAsGroq: async (query, perspective, over = store()) => {
      const request = {query, params: {}, perspective, apiVersion: '2025-02-19'}
      const result = await executeQuery(over, request, ADMIN, env)
      const view = fullView(perspective)
      expect(result, perspective).toEqual(
        await evaluateQuery(parseQuery(query), view, {params: {}}),
      )
      return result
    },
  }
}

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

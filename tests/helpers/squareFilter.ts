/**
 * A listener filter over one document whose string field `s` has `length` characters: each
 * character of s against every other one, work square in its length (at 1,600 about 0.55 s of CPU
 * on a quiet machine, more on a busy one). The query pool's tests use it as a task of chosen CPU.
 */
export function squareFilter(length: number) {
  return {
    kind: 'filter' as const,
    query: '*[count(string::split(s, "")[count(string::split(^.s, "")[@ == "x"]) > 0]) > 0]',
    params: {},
    identity: 'x',
    documents: [{_id: 'a', _type: 'a', s: 'x'.repeat(length)}],
  }
}

/**
 * A query of the same square work over `$s` (no documents read): the pool's tests use it as a
 * query of chosen CPU, which takes a turn on the query threads as a reader's query does.
 */
export function squareQuery(length: number) {
  return {
    kind: 'query' as const,
    dataDir: '.',
    dataset: 'none',
    request: {
      query: 'count(string::split($s, "")[count(string::split($s, "")[@ == "x"]) > 0])',
      params: {s: 'x'.repeat(length)},
      apiVersion: '2025-02-19',
    },
    principal: {id: 'anonymous', kind: 'anonymous' as const, role: null},
    now: Date.now(),
    projectId: 'local',
  }
}

/** A signed-in editor (the Studio's, or a front end's with a read token). */
export const EDITOR = {id: 'editor-1', kind: 'user' as const, role: 'editor' as const}

/**
 * squareQuery as a signed-in editor asks it: on a query thread at the lake's priority, and its
 * turn before anonymous callers' waiting (lake/query/pool.ts).
 */
export function editorSquareQuery(length: number) {
  return {...squareQuery(length), principal: EDITOR}
}

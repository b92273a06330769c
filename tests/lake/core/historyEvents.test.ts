// The Events API's events as read off the transaction log (lake/core/historyEvents.ts), for the
// cases the HTTP contract does not reach: release versions, an unpublish that keeps an existing
// draft, the group deleted as the draft sees it (paging: tests/lake/datasetEvents.test.ts).
import {describe, expect, it} from 'vitest'
import {documentEvents} from '../../../lake/core/historyEvents.ts'
import type {LoggedTransaction} from '../../../lake/core/store.ts'

const CREATED = {apply: [0, {title: 'x'}], revert: [0, null]}
const DELETED = {apply: [0, null], revert: [0, {title: 'x'}]}
const EDITED = {apply: [17, 'y', 'title'], revert: [17, 'x', 'title']}
type Effect = {apply: unknown[]; revert: unknown[]}

let clock = 0
/** One transaction `id` by `who` with the given effect per document id. */
function tx(id: string, effects: Record<string, Effect>, who = 'editor'): LoggedTransaction {
  clock += 1
  return {
    id,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, clock)).toISOString(),
    identity: who,
    changes: Object.entries(effects).map(([doc, effect]) => ({
      id: doc,
      mutations: [],
      effects: effect,
    })),
  }
}

const types = (id: string, log: LoggedTransaction[]) =>
  documentEvents(id, log).map(({event}) => event.type)

describe('documentEvents', () => {
  it('a release version: created, edited, published; the published view names the version', () => {
    const version = 'versions.rSpring.a'
    const log = [
      tx('t1', {[version]: CREATED}, 'ana'),
      tx('t2', {[version]: EDITED}, 'bo'),
      tx('t3', {a: CREATED, [version]: DELETED}),
    ]
    const own = documentEvents(version, log).map(({event}) => event)
    expect(own.map((event) => event.type)).toEqual([
      'publishDocumentVersion',
      'createDocumentVersion',
    ])
    expect(own[0]).toMatchObject({
      versionId: version,
      versionRevisionId: 't2',
      revisionId: 't3',
      releaseId: 'rSpring',
      contributors: ['ana', 'bo'],
    })
    expect(own[1]).toMatchObject({releaseId: 'rSpring', versionRevisionId: 't1'})
    // The published view reads the whole publishing transaction, the version included.
    const published = documentEvents('a', [log[2]]).map(({event}) => event)
    expect(published).toEqual([
      expect.objectContaining({
        type: 'publishDocumentVersion',
        versionId: version,
        releaseId: 'rSpring',
      }),
    ])
  })

  it('an unpublish that keeps an existing draft, and the draft deleted with the group', () => {
    const log = [
      tx('t1', {a: CREATED}),
      tx('t2', {'drafts.a': CREATED}),
      tx('t3', {a: DELETED}),
      tx('t4', {'drafts.a': DELETED}),
    ]
    const unpublish = documentEvents('a', log)[0].event
    expect(unpublish).toMatchObject({
      type: 'unpublishDocument',
      versionId: 'drafts.a',
      versionRevisionId: 't2',
    })
    expect(types('a', log)).toEqual(['unpublishDocument', 'createLiveDocument'])
    expect(types('drafts.a', log)).toEqual([
      'deleteDocumentVersion',
      'unpublishDocument',
      'createDocumentVersion',
    ])
    // Both deleted in one transaction: the group's deletion, and the draft's own deletion.
    const together = [
      tx('u1', {b: CREATED}),
      tx('u2', {'drafts.b': CREATED}),
      tx('u3', {b: DELETED, 'drafts.b': DELETED}),
    ]
    expect(types('b', together)).toEqual(['deleteDocumentGroup', 'createLiveDocument'])
    expect(types('drafts.b', together)).toEqual(['deleteDocumentVersion', 'createDocumentVersion'])
  })

  it('ignores other documents in the same transactions', () => {
    const log = [tx('t1', {a: CREATED, ab: CREATED, 'drafts.ab': CREATED}), tx('t2', {ab: EDITED})]
    expect(types('a', log)).toEqual(['createLiveDocument'])
    expect(types('drafts.a', log)).toEqual([])
  })
})

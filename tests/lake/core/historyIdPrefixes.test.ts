// The dataset-wide history log narrows its SQL to the id prefixes historyIdPrefixes gives: it
// must never leave out a document `can` lets the caller see the history of.
import {expect, it} from 'vitest'
import {
  ANONYMOUS,
  PUBLIC_READER,
  ROLE_NAMES,
  can,
  historyIdPrefixes,
  type Principal,
} from '../../../lake/core/grants.ts'

const IDS = ['a', 'drafts.a', 'versions.r1.a', '_.releases.r1', 'drafts', 'draftsX.a', 'x.drafts.a']

const principals: Principal[] = [
  ANONYMOUS,
  PUBLIC_READER,
  ...ROLE_NAMES.map((role): Principal => ({id: role, kind: 'token', role})),
]

it.each(principals.map((p) => [p.role ?? p.id, p] as const))(
  'covers every id %s may see the history of',
  (_name, principal) => {
    const prefixes = historyIdPrefixes(principal)
    for (const id of IDS) {
      if (!can(principal, 'history', id)) continue
      expect(prefixes === null || prefixes.some((prefix) => id.startsWith(prefix)), id).toBe(true)
    }
  },
)

it('gives each role what its grants say', () => {
  expect(historyIdPrefixes(ANONYMOUS)).toEqual([])
  expect(historyIdPrefixes(PUBLIC_READER)).toEqual([])
  expect(historyIdPrefixes({id: 'c', kind: 'token', role: 'contributor'})).toEqual(['drafts.'])
  expect(historyIdPrefixes({id: 'v', kind: 'token', role: 'viewer'})).toBeNull()
})

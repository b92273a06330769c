import {describe, expect, test} from 'vitest'
import {InvalidRequestError} from '../../../lake/core/errors.ts'
import {applyPerspective, parsePerspective} from '../../../lake/core/perspective.ts'

const docs = [
  {_id: 'b', _type: 't', v: 'b'},
  {_id: 'drafts.b', _type: 't', v: 'b draft'},
  {_id: 'versions.r1.b', _type: 't', v: 'b r1'},
  {_id: 'drafts.c', _type: 't', v: 'c draft'},
  {_id: 'versions.r1.d', _type: 't', v: 'd r1'},
  {_id: '_.releases.r1', _type: 'system.release', v: 'release'},
]

describe('parsePerspective', () => {
  test('defaults to published from v2025-02-19 and to raw before', () => {
    expect(parsePerspective(undefined, '2025-02-19')).toEqual({kind: 'published'})
    expect(parsePerspective('', 'X')).toEqual({kind: 'published'})
    expect(parsePerspective(undefined, '2024-01-01')).toEqual({kind: 'raw'})
    expect(parsePerspective(undefined, '1')).toEqual({kind: 'raw'})
  })

  test('drafts and previewDrafts are the stack [drafts]; stacks are comma-joined', () => {
    expect(parsePerspective('drafts', 'X')).toEqual({kind: 'stack', layers: ['drafts']})
    expect(parsePerspective('previewDrafts', 'X')).toEqual({kind: 'stack', layers: ['drafts']})
    expect(parsePerspective('r1,drafts,published', 'X')).toEqual({
      kind: 'stack',
      layers: ['r1', 'drafts'],
    })
  })

  test('raw cannot be combined; odd and empty names are refused', () => {
    for (const value of ['raw,drafts', 'a b', 'drafts,', ',drafts', 'r1,,drafts', ' ']) {
      expect(() => parsePerspective(value, 'X'), value).toThrow(InvalidRequestError)
    }
  })
})

describe('applyPerspective', () => {
  const view = (name: string, apiVersion = '2025-02-19') =>
    applyPerspective(docs, parsePerspective(name, apiVersion), apiVersion).map((d) => [
      d._id,
      d._originalId,
      d.v,
    ])

  test('raw is everything as stored, versions only from v2025-02-19', () => {
    expect(view('raw').map(([id]) => id)).toEqual([
      '_.releases.r1',
      'b',
      'drafts.b',
      'drafts.c',
      'versions.r1.b',
      'versions.r1.d',
    ])
    expect(view('raw', '2024-01-01').map(([id]) => id)).toEqual([
      '_.releases.r1',
      'b',
      'drafts.b',
      'drafts.c',
    ])
  })

  test('published hides drafts and versions and sets _originalId', () => {
    expect(view('published')).toEqual([
      ['_.releases.r1', '_.releases.r1', 'release'],
      ['b', 'b', 'b'],
    ])
  })

  test('drafts picks the draft per group under the published id', () => {
    expect(view('drafts')).toEqual([
      ['_.releases.r1', '_.releases.r1', 'release'],
      ['b', 'drafts.b', 'b draft'],
      ['c', 'drafts.c', 'c draft'],
    ])
  })

  test('a release stack picks the first existing layer', () => {
    expect(view('r1,drafts')).toEqual([
      ['_.releases.r1', '_.releases.r1', 'release'],
      ['b', 'versions.r1.b', 'b r1'],
      ['c', 'drafts.c', 'c draft'],
      ['d', 'versions.r1.d', 'd r1'],
    ])
  })

  test('does not change the stored documents', () => {
    const before = structuredClone(docs)
    view('drafts')
    expect(docs).toEqual(before)
  })
})

import {describe, expect, test} from 'vitest'
import {
  getDraftId,
  getPublishedId,
  getReleaseName,
  getVersionId,
  invalidDatasetReason,
  invalidIdReason,
  isValidId,
  randomId,
} from '../../../lake/core/ids.ts'

describe('document ids', () => {
  test('accepts the ids Sanity and the Studio use', () => {
    for (const id of [
      'a',
      '0d08c5c3-a6f3-4bd7-bd5a-4c0f6d3ce9b4',
      'drafts.0d08c5c3',
      'versions.rABC.article-1',
      '_.releases.rABC',
      'image-abc123-100x200-png',
      'x'.repeat(128),
      'Mixed_Case.id',
    ]) {
      expect(invalidIdReason(id), id).toBeNull()
    }
  })

  test('refuses malformed ids with a reason', () => {
    for (const id of [
      '',
      '-dash',
      '.dot',
      'a..b',
      'ends.',
      'has space',
      'ঢাকা',
      'x'.repeat(129),
      'drafts.drafts.a',
      'drafts.versions.r.a',
      'versions.r',
      'versions.r.drafts.a',
      42,
      null,
    ]) {
      expect(isValidId(id), String(id)).toBe(false)
      expect(typeof invalidIdReason(id)).toBe('string')
    }
  })

  test('maps between published, draft and version ids', () => {
    expect(getPublishedId('drafts.a')).toBe('a')
    expect(getPublishedId('versions.r1.a.b')).toBe('a.b')
    expect(getPublishedId('a')).toBe('a')
    expect(getDraftId('versions.r1.a')).toBe('drafts.a')
    expect(getVersionId('drafts.a', 'r2')).toBe('versions.r2.a')
    expect(getReleaseName('versions.r1.a')).toBe('r1')
    expect(getReleaseName('drafts.a')).toBeNull()
  })

  test('random ids are 22 base62 characters and unique', () => {
    const ids = new Set(Array.from({length: 1000}, () => randomId()))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/)
  })
})

describe('dataset names', () => {
  test('lowercase letters, digits, _ and -, up to 64 characters', () => {
    expect(invalidDatasetReason('production')).toBeNull()
    expect(invalidDatasetReason('test-2_b')).toBeNull()
    for (const bad of ['', 'Prod', '-x', '_x', 'a.b', 'a b', 'x'.repeat(65)]) {
      expect(invalidDatasetReason(bad), bad).not.toBeNull()
    }
  })
})

import {describe, expect, test} from 'vitest'
import {createLru} from '../../../lake/core/lru.ts'

describe('createLru', () => {
  test('forgets the least recently used past its number of entries', () => {
    const lru = createLru<string, number>({entries: 2, weight: 100}, () => 1)
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1)
    lru.set('c', 3)
    expect(lru.get('b')).toBeUndefined()
    expect([lru.get('a'), lru.get('c'), lru.size]).toEqual([1, 3, 2])
  })

  test('forgets the least recently used past its weight, and keeps nothing heavier than it', () => {
    const lru = createLru<string, string>({entries: 10, weight: 10}, (_, value) => value.length)
    lru.set('a', 'xxxx')
    lru.set('b', 'xxxx')
    lru.set('c', 'xxxx')
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.weight]).toEqual([
      undefined,
      'xxxx',
      'xxxx',
      8,
    ])
    lru.set('huge', 'x'.repeat(11))
    expect([lru.get('huge'), lru.size, lru.weight]).toEqual([undefined, 2, 8])
  })

  test('a value set again replaces its weight; one too heavy now forgets the old one', () => {
    const lru = createLru<string, string>({entries: 10, weight: 10}, (_, value) => value.length)
    lru.set('a', 'xxxx')
    lru.set('a', 'xx')
    expect([lru.get('a'), lru.weight]).toEqual(['xx', 2])
    lru.set('a', 'x'.repeat(11))
    expect([lru.get('a'), lru.size, lru.weight]).toEqual([undefined, 0, 0])
  })
})

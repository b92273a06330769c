import fc from 'fast-check'
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

  test('clear forgets every entry and their weight, telling no one', () => {
    const evicted: string[] = []
    const lru = createLru<string, string>({entries: 2, weight: 10}, (_, v) => v.length, {
      onEvict: (key) => evicted.push(key),
    })
    lru.set('a', 'xx')
    lru.set('b', 'xxx')
    lru.clear()
    expect([lru.size, lru.weight, lru.get('a'), evicted]).toEqual([0, 0, undefined, []])
    // Its bounds count from nothing again.
    lru.set('c', 'x'.repeat(10))
    expect([lru.get('c'), lru.weight]).toEqual(['x'.repeat(10), 10])
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

describe('createLru hooks', () => {
  test('onEvict hears what is pushed out past the bounds, after the cache is consistent', () => {
    const heard: [string, number, number][] = []
    const lru = createLru<string, number>({entries: 2, weight: 100}, () => 1, {
      onEvict: (key, value) => heard.push([key, value, lru.size]),
    })
    lru.set('a', 1)
    lru.set('b', 2)
    lru.get('a')
    lru.set('c', 3)
    // `b` was the least recently used; the hook ran with the cache back within its bounds.
    expect(heard).toEqual([['b', 2, 2]])
    expect([...lru.entries()]).toEqual([
      ['a', 1],
      ['c', 3],
    ])
  })

  test('a value too heavy to keep goes to onEvict; replaced and deleted values do not', () => {
    const heard: string[] = []
    const lru = createLru<string, string>({entries: 10, weight: 4}, (_, v) => v.length, {
      onEvict: (key, value) => heard.push(`${key}=${value}`),
    })
    lru.set('a', 'xx')
    lru.set('a', 'yy')
    expect(lru.delete('a')).toBe('yy')
    expect(lru.delete('a')).toBeUndefined()
    lru.set('b', 'zzzzz')
    expect(heard).toEqual(['b=zzzzz'])
    expect([lru.size, lru.weight]).toEqual([0, 0])
  })

  test('onEvict may hand the value back to the same cache', () => {
    // A registry that finds an evicted entry still in use keeps it (as the dataset registry does
    // with a dataset written meanwhile): the cache stays within its bounds all the same.
    const lru = createLru<string, number>({entries: 2, weight: 100}, () => 1, {
      onEvict: (key, value) => {
        if (key === 'pinned') lru.set(key, value)
      },
    })
    lru.set('pinned', 0)
    lru.set('b', 1)
    lru.set('c', 2)
    expect([...lru.entries()].map(([k]) => k)).toEqual(['c', 'pinned'])
    expect(lru.size).toBe(2)
  })

  test('behaves as a model of itself under any sequence of calls (fast-check)', () => {
    type Op = {op: 'set'; key: number; value: number} | {op: 'get' | 'peek' | 'delete'; key: number}
    const key = fc.integer({min: 0, max: 7})
    const ops = fc.array(
      fc.oneof(
        fc.record({op: fc.constant('set' as const), key, value: fc.integer({min: 0, max: 12})}),
        fc.record({op: fc.constantFrom('get' as const, 'peek' as const, 'delete' as const), key}),
      ),
      {maxLength: 80},
    )
    const limits = fc.record({
      entries: fc.integer({min: 0, max: 6}),
      weight: fc.integer({min: 0, max: 30}),
    })
    fc.assert(
      fc.property(limits, ops, (bounds, sequence: Op[]) => {
        // The value is its own weight.
        const evicted: [number, number][] = []
        const lru = createLru<number, number>(bounds, (_, v) => v, {
          onEvict: (k, v) => evicted.push([k, v]),
        })
        /** Least recently used first. */
        const model: [number, number][] = []
        const modelEvicted: [number, number][] = []
        /** Every value handed over is kept, replaced, deleted or evicted: never lost or doubled. */
        let handedOver = 0
        let released = 0
        for (const step of sequence) {
          const at = model.findIndex(([k]) => k === step.key)
          if (step.op === 'set') {
            handedOver++
            if (at >= 0) {
              model.splice(at, 1)
              released++
            }
            if (step.value > bounds.weight) {
              modelEvicted.push([step.key, step.value])
            } else {
              model.push([step.key, step.value])
              const weight = () => model.reduce((sum, [, v]) => sum + v, 0)
              while (model.length > bounds.entries || weight() > bounds.weight) {
                modelEvicted.push(model.shift()!)
              }
            }
            lru.set(step.key, step.value)
          } else if (step.op === 'delete') {
            const expected = at >= 0 ? model.splice(at, 1)[0][1] : undefined
            if (at >= 0) released++
            expect(lru.delete(step.key)).toBe(expected)
          } else {
            const expected = at >= 0 ? model[at][1] : undefined
            if (step.op === 'get' && at >= 0) model.push(...model.splice(at, 1))
            expect(lru[step.op](step.key)).toBe(expected)
          }
          expect([...lru.entries()]).toEqual(model)
          expect(lru.size).toBe(model.length)
          expect(lru.weight).toBe(model.reduce((sum, [, v]) => sum + v, 0))
          expect(lru.size).toBeLessThanOrEqual(bounds.entries)
          expect(lru.weight).toBeLessThanOrEqual(bounds.weight)
        }
        expect(evicted).toEqual(modelEvicted)
        expect(handedOver).toBe(model.length + released + evicted.length)
      }),
      {numRuns: 500},
    )
  })
})

/** The benches' shared median and quantile (bench/stats.ts). */
import {expect, test} from 'vitest'
import {median, quantile} from '../../bench/stats.ts'

test('the median of an even count is the mean of the two middle values', () => {
  // bench/flood.ts took sorted[n / 2], the larger of its two rounds' p50s: 3.0 here, not 2.2.
  expect(median([3.0, 1.4])).toBeCloseTo(2.2)
  expect(median([4, 1, 3, 2])).toBe(2.5)
})

test('the median of an odd count is the middle value; of none, NaN', () => {
  expect(median([5, 1, 3])).toBe(3)
  expect(median([])).toBeNaN()
})

test('a quantile is the nearest rank, the input left as it was', () => {
  const samples = [9, 1, 5, 3, 7, 2, 8, 4, 6, 10]
  expect(quantile(samples, 0.9)).toBe(10)
  expect(quantile(samples, 0)).toBe(1)
  expect(samples[0]).toBe(9)
})

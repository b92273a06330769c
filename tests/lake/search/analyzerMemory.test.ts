// The full-text analyzer keeps no heap per long word. Its word caches were bounded by entries
// only, so 150 revisions of an article, each setting a 200,000-character run of letters, kept
// ~12 MB each on the analyzer's thread (2 GB of the lake's RSS, audit finding F5).
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {expect, test} from 'vitest'
import {indexedColumns} from '../../../lake/store/searchIndex.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapUsedMb(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

test('analysing 40 revisions with new 200,000-character words keeps no heap per word', () => {
  const before = heapUsedMb()
  for (let revision = 0; revision < 40; revision++) {
    const body = String(revision).padEnd(200_000, 'ক')
    const columns = indexedColumns({_id: 'a', _type: 'article', body} as unknown as SanityDocument)
    expect(columns).toBeTruthy()
  }
  // Before the fix: +464 MB. A word's analysis is garbage once the document is written.
  expect(heapUsedMb() - before).toBeLessThan(40)
})

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

test('a run the analyzer keeps does not keep the paragraph it was cut from', () => {
  // V8 makes a slice of 13 units or more a view into its string: a kept run of a long paragraph
  // kept the whole paragraph. 1,000 paragraphs of 20,000 units (40 MB), each bringing one run of
  // 13+ units not met before, as a long word or a name does; parsed from JSON as the analyzer
  // reads them.
  const filler = Array.from({length: 5000}, () => 'কথা').join(' ')
  const before = heapUsedMb()
  for (let i = 0; i < 1000; i++) {
    // Digits first: a digit after a letter would start a word of its own.
    const text = `${i}প্রতিষ্ঠানগুলোর ${filler}`
    const doc = JSON.parse(JSON.stringify({_id: `a${i}`, _type: 'article', text})) as SanityDocument
    expect(indexedColumns(doc).words).toContain(`${i}প্রতিষ্ঠানগুলোর`)
  }
  // Before the fix: +38 MB (each run kept its paragraph).
  expect(heapUsedMb() - before).toBeLessThan(10)
})

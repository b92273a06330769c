// Sorting by title: GROQ (the lake, hosted Sanity) orders strings by code point, which is not
// Bengali alphabetical order (numbers, ড় ঢ় য়, ৎ, ং ঃ ঁ, punctuation and Latin all land elsewhere).
// So articles and headlines keep a sort key (bangla/sort.ts, tested in tests/bangla/sort.test.ts)
// that the title input and the import write, and 'শিরোনাম, বর্ণানুক্রমে' orders by it. This runs
// the schema's own ordering as GROQ over documents shaped as the Studio and the import store them.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {evaluate, parse} from 'groq-js'
import {describe, expect, it} from 'vitest'
import {nfc, sortKey} from '../../bangla/index.ts'
import {articleType} from '../../schemas/articleType.ts'
import {headlineType} from '../../schemas/headlineType.ts'
import {SORT_KEY_FIELD} from '../../schemas/names.ts'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'
import {sortKeyPatch} from '../../studio/components/BengaliTextInput.tsx'

const collator = new Intl.Collator('bn')

const TITLES = [
  'যানজটে নাকাল রাজধানী',
  'য়ুরোপে তাপপ্রবাহ',
  'যৌথ বিবৃতি',
  'বাড়ি ফিরল শিশুটি',
  'বাজেট ঘোষণা আজ',
  'বাংলাদেশের জয়',
  'বাঁধ ভেঙে প্লাবন',
  'উৎসবের প্রস্তুতি',
  'উত্তরাঞ্চলে শীত',
  '৫০ বছর পূর্তি',
  '২০২৬ সালের বাজেট',
  '১০০ দিনের কর্মসূচি',
  '‘আমরা প্রস্তুত’: অধিনায়ক',
  'আমদানি বেড়েছে',
  'অর্থনীতি চাঙা',
  'ঢাকায় বৃষ্টি',
  'ঢ়-অক্ষর নিয়ে বিতর্ক',
  'BNP-র সমাবেশ',
  'ডাকঘর বন্ধ',
  'ড়-এর উচ্চারণ',
].map(nfc)

/** Runs an ordering of the schema as GROQ, as the Studio's list does. */
async function ordered(
  ordering: {by: {field: string; direction: 'asc' | 'desc'}[]},
  type: string,
  field: string,
  documents: Record<string, unknown>[],
): Promise<string[]> {
  const order = ordering.by.map(({field, direction}) => `${field} ${direction}`).join(', ')
  const query = `*[_type == "${type}"] | order(${order}).${field}`
  return (await (await evaluate(parse(query), {dataset: documents})).get()) as string[]
}

describe('sort by title', () => {
  const articles = TITLES.map((title, i) => ({
    _id: `a${i}`,
    _type: 'article',
    title,
    [SORT_KEY_FIELD]: sortKey(title),
  }))
  const headlines = TITLES.map((text, i) => ({
    _id: `h${i}`,
    _type: 'headline',
    text,
    [SORT_KEY_FIELD]: sortKey(text),
  }))
  const byTitle = articleType.orderings!.find((o) => o.name === 'titleAsc')!
  const byText = headlineType.orderings!.find((o) => o.name === 'textAsc')!

  it('lists articles and headlines in Bengali alphabetical order', async () => {
    const expected = [...TITLES].sort(collator.compare)
    expect(await ordered(byTitle, 'article', 'title', articles)).toEqual(expected)
    expect(await ordered(byText, 'headline', 'text', headlines)).toEqual(expected)
  })

  it('would not by the title alone (the code-point order GROQ uses)', async () => {
    const plain = {by: [{field: 'title', direction: 'asc' as const}]}
    const byCodePoint = await ordered(plain, 'article', 'title', articles)
    expect(byCodePoint).not.toEqual([...TITLES].sort(collator.compare))
    // Numbers after the letters, a য়-word before the য-words with a vowel sign, Latin first.
    const at = (title: string) => byCodePoint.indexOf(nfc(title))
    expect(at('৫০ বছর পূর্তি')).toBeGreaterThan(at('যৌথ বিবৃতি'))
    expect(at('য়ুরোপে তাপপ্রবাহ')).toBeLessThan(at('যানজটে নাকাল রাজধানী'))
    expect(at('BNP-র সমাবেশ')).toBe(0)
  })

  it('the title input stores the key with the title, and removes it with the title', () => {
    expect(sortKeyPatch(SORT_KEY_FIELD, 'বাড়ি').patches).toEqual([
      expect.objectContaining({type: 'set', path: [SORT_KEY_FIELD], value: sortKey('বাড়ি')}),
    ])
    expect(sortKeyPatch(SORT_KEY_FIELD, '').patches).toEqual([
      expect.objectContaining({type: 'unset', path: [SORT_KEY_FIELD]}),
    ])
  })

  it('the import stores the key of every title and headline it writes', () => {
    const dir = join(import.meta.dirname, '..', '..', 'data', 'seed')
    const file = readdirSync(dir).find((name) => name.endsWith('.txt'))!
    const {article, headlines: imported} = toDocuments(
      parseArticle(readFileSync(join(dir, file), 'utf8'), {file, asOf: '2025-07-20'}),
    )
    expect(article[SORT_KEY_FIELD]).toBe(sortKey(article.title as string))
    expect(imported.length).toBeGreaterThan(0)
    for (const headline of imported) {
      expect(headline[SORT_KEY_FIELD]).toBe(sortKey(headline.text as string))
    }
  })
})

/** Seeded newsroom documents for the benchmarks: the same seed always gives the same data. */
import {createRandom, SECTIONS, sentence as words, WORDS} from '../kit/seeded.ts'

export type BenchDocument = {_id: string; _type: string; [key: string]: unknown}

const SOURCES = ['প্রথম আলো', 'বাসস', 'রয়টার্স', 'এএফপি', 'চায়না মিডিয়া গ্রুপ', 'ডেইলি স্টার']

/**
 * `count` published articles (about a tenth also have a draft), the sources they cite and one
 * headline per five articles. Articles are the size of a short news story (about 1.5 kB of JSON).
 */
export function newsroomDocuments(count: number, seed = 1): BenchDocument[] {
  const prng = createRandom(seed)
  const random = prng.next
  const pick = prng.pick
  const sentence = (count: number): string => words(prng, count)
  const docs: BenchDocument[] = SOURCES.map((name, i) => ({
    _id: `source-${i}`,
    _type: 'source',
    name,
  }))
  const start = Date.UTC(2023, 0, 1)
  for (let i = 0; i < count; i++) {
    const article: BenchDocument = {
      _id: `article-${i}`,
      _type: 'article',
      title: sentence(4 + Math.floor(random() * 6)),
      slug: {_type: 'slug', current: `article-${i}`},
      section: pick(SECTIONS),
      publishedAt: new Date(start + Math.floor(random() * 3 * 365 * 86_400_000)).toISOString(),
      source: {_type: 'reference', _ref: `source-${Math.floor(random() * SOURCES.length)}`},
      tags: [pick(WORDS), pick(WORDS)],
      body: Array.from({length: 3}, (_, p) => ({
        _type: 'block',
        _key: `p${p}`,
        style: 'normal',
        markDefs: [],
        children: [
          {_type: 'span', _key: `s${p}`, text: sentence(12 + Math.floor(random() * 10)), marks: []},
        ],
      })),
    }
    docs.push(article)
    if (random() < 0.1) docs.push({...article, _id: `drafts.article-${i}`, title: sentence(5)})
    if (i % 5 === 0) {
      docs.push({
        _id: `headline-${i / 5}`,
        _type: 'headline',
        text: sentence(6),
        position: 1 + (i % 12),
        article: {_type: 'reference', _ref: `article-${i}`},
      })
    }
  }
  return docs
}

/** A word that occurs in titles, for the text-match query. */
export const MATCH_WORD = WORDS[3]

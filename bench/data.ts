/** Seeded newsroom documents for the benchmarks: the same seed always gives the same data. */
import {createHash} from 'node:crypto'
import {createRandom, SECTIONS, sentence as words, WORDS} from '../kit/seeded.ts'

export type BenchDocument = {_id: string; _type: string; [key: string]: unknown}

// Rare words for the search benchmarks: 25 × 40 made-up names, each in about 1 of 1,000 articles.
const NAME_STARTS =
  'কম খল গন ঘর চন ছল জব ঝর টক ঠম ডল তর থন দল ধর নব পল ফর বন ভর মল রব লক শম সন'.split(' ')
const NAME_ENDS =
  'রুল্লাহ জাহান মতি রাজ শেখর নাথ দাস রানী বালা কান্ত বিহারী চন্দ্র লাল প্রসাদ রঞ্জন কুমার মোহন উদ্দিন আলী হোসেন রহমান করিম হক মিয়া খাতুন বেগম আক্তার পারভীন সুলতানা নাহার মনি ইসলাম আহমেদ চৌধুরী সরকার তালুকদার মজুমদার পাটোয়ারী ভূঁইয়া খান'.split(
    ' ',
  )

/** The rare name of article `i` (and of every thousandth article after it). */
export function rareName(i: number): string {
  const n = i % (NAME_STARTS.length * NAME_ENDS.length)
  return NAME_STARTS[n % NAME_STARTS.length] + NAME_ENDS[Math.floor(n / NAME_STARTS.length)]
}

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
      title: `${sentence(4 + Math.floor(random() * 6))} ${rareName(i)}`,
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
          {
            _type: 'span',
            _key: `s${p}`,
            // The rare name inflected (genitive) in the body, for text::query.
            text: `${p === 0 ? `${rareName(i)}ের ` : ''}${sentence(12 + Math.floor(random() * 10))}`,
            marks: [],
          },
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

/** A rare name (in the titles of about 1 of 1,000 articles), for search queries. */
export const RARE_NAME = rareName(417)

/** An article body: three Portable Text paragraphs of `text()` each. */
function paragraphs(text: (paragraph: number) => string): object[] {
  return Array.from({length: 3}, (_, p) => ({
    _type: 'block',
    _key: `p${p}`,
    style: 'normal',
    markDefs: [],
    children: [{_type: 'span', _key: `s${p}`, text: text(p), marks: []}],
  }))
}

/** Consonant + vowel sign syllables: rare words for titles, so a two-word AND matches a few. */
const CONSONANTS = [...'কখগঘচছজঝটঠডঢতথদধনপফবভমযরলশসহ']
const VOWEL_SIGNS = ['', 'া', 'ি', 'ী', 'ু', 'ে', 'ো']

function rareWord(n: number): string {
  let word = ''
  for (let i = 0; i < 3; i++) {
    word += CONSONANTS[n % CONSONANTS.length] + VOWEL_SIGNS[Math.floor(n / 7) % VOWEL_SIGNS.length]
    n = Math.floor(n / CONSONANTS.length) + i * 13
  }
  return word
}

/** Two rare title words and a common prefix for the `match` queries. */
export const RARE_WORDS = [rareWord(17), rareWord(2345)]
export const COMMON_PREFIX = 'নির্বা*'

export interface ArchiveSize {
  articles: number
  headlines: number
  sources: number
}

/** The issue's archive: 100,000 articles, 50,000 headlines and 1,000 sources. */
export const ARCHIVE: ArchiveSize = {articles: 100_000, headlines: 50_000, sources: 1_000}

/** The archive scaled to `articles`: headlines in the same proportion, at least 10 sources. */
export function archiveOf(articles: number): ArchiveSize {
  return {
    articles,
    headlines: Math.round((articles * ARCHIVE.headlines) / ARCHIVE.articles),
    sources: Math.max(10, Math.round((articles * ARCHIVE.sources) / ARCHIVE.articles)),
  }
}

/**
 * An archive at newsroom scale: articles of about 1.9 kB of JSON over five years of dates, each
 * citing one of `sources`; headlines pointing at articles; about one article in ten also has a
 * draft. Titles mix common words with rare ones (RARE_WORDS pairs occur in a few titles only) and
 * end with a made-up name shared by one article in 1,000 (rareName), also in the body inflected.
 */
export function archiveDocuments(size: ArchiveSize, seed = 7): BenchDocument[] {
  const prng = createRandom(seed)
  const random = prng.next
  const pick = prng.pick
  const sentence = (count: number): string => words(prng, count)
  const docs: BenchDocument[] = []
  for (let i = 0; i < size.sources; i++) {
    docs.push({_id: `source-${i}`, _type: 'source', name: `${pick(SOURCES)} ${i}`})
  }
  const start = Date.UTC(2021, 0, 1)
  const span = 5 * 365 * 86_400_000
  for (let i = 0; i < size.articles; i++) {
    const title = [sentence(3 + Math.floor(random() * 5)), rareWord(Math.floor(random() * 4000))]
    if (random() < 0.5) title.push(rareWord(Math.floor(random() * 4000)))
    // A handful of titles hold both RARE_WORDS, for the two-word AND.
    if (i % 9973 === 7) title.push(...RARE_WORDS)
    // A rare name in one title in 1,000, and inflected in its body, for search (RARE_NAME).
    title.push(rareName(i))
    const article: BenchDocument = {
      _id: `article-${i}`,
      _type: 'article',
      title: title.join(' '),
      slug: {_type: 'slug', current: `article-${i}`},
      section: pick(SECTIONS),
      publishedAt: new Date(start + Math.floor(random() * span)).toISOString(),
      source: {_type: 'reference', _ref: `source-${Math.floor(random() * size.sources)}`},
      tags: [pick(WORDS), pick(WORDS)],
      body: paragraphs(
        (p) => `${p === 0 ? `${rareName(i)}ের ` : ''}${sentence(15 + Math.floor(random() * 8))}`,
      ),
    }
    docs.push(article)
    if (random() < 0.1) docs.push({...article, _id: `drafts.article-${i}`, title: sentence(5)})
  }
  for (let i = 0; i < size.headlines; i++) {
    docs.push({
      _id: `headline-${i}`,
      _type: 'headline',
      text: sentence(6),
      position: 1 + (i % 12),
      article: {_type: 'reference', _ref: `article-${Math.floor(random() * size.articles)}`},
    })
  }
  return docs
}

/** An id as the Studio makes one (a version 4 UUID), the same for the same `id` on every run. */
function sanityIdOf(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex')
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** `id` mapped by sanityIdOf, its `drafts.` or `versions.<release>.` prefix kept as it is. */
function mappedId(id: string): string {
  if (id.startsWith('drafts.')) return `drafts.${sanityIdOf(id.slice(7))}`
  const version = /^versions\.[^.]+\./.exec(id)
  return version ? version[0] + sanityIdOf(id.slice(version[0].length)) : sanityIdOf(id)
}

function withMappedRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withMappedRefs)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === '_ref' && typeof v === 'string' ? mappedId(v) : withMappedRefs(v),
    ]),
  )
}

/**
 * `docs` with every `_id` and `_ref` mapped to an id shaped as the Studio makes them (a stable
 * hash, so references still name the same documents). The archive's own ids (`article-N`) arrive
 * nearly in key order; these arrive at random, as a newsroom's exported archive would, so every
 * id-keyed B-tree is written all over (docs/benchmarks-log.md, #bulk-load). New objects: `docs`
 * is left as it was.
 */
export function withSanityIds(docs: BenchDocument[]): BenchDocument[] {
  return docs.map((doc) => ({...(withMappedRefs(doc) as BenchDocument), _id: mappedId(doc._id)}))
}

/** The archive of `articles` articles (archiveOf), with ids as the Studio makes them if `studioIds`. */
export function archiveWith(articles: number, studioIds = false): BenchDocument[] {
  const archive = archiveDocuments(archiveOf(articles))
  return studioIds ? withSanityIds(archive) : archive
}

/** @sanity/import's bound on a batch: JSON.stringify's length of its documents (batchDocuments.ts). */
export const IMPORT_BATCH_CHARS = 256 * 1024
/** Transactions @sanity/import keeps in flight (importBatches.ts DOCUMENT_IMPORT_CONCURRENCY). */
export const IMPORT_IN_FLIGHT = 6

/**
 * The documents in batches as `@sanity/import` 7 (what `sanity dataset import` runs) cuts them: a
 * batch ends before the document that would take its JSON past IMPORT_BATCH_CHARS, and a document
 * past it alone goes in a batch of its own (its batchDocuments, which the package does not export).
 * The tool itself spends minutes before its first batch (docs/benchmarks-log.md): this is its shape
 * alone, for a client that sends what the lake would get from it.
 */
export function importToolBatches(docs: BenchDocument[]): BenchDocument[][] {
  const batches: BenchDocument[][] = []
  let batch: BenchDocument[] = []
  let chars = 0
  for (const doc of docs) {
    const size = JSON.stringify(doc).length
    if (batch.length > 0 && chars + size > IMPORT_BATCH_CHARS) {
      batches.push(batch)
      batch = []
      chars = 0
    }
    batch.push(doc)
    chars += size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

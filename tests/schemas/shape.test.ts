// The content model's shape: the field names and types other code (import, queries, lake tests)
// relies on, plus titles, icons, previews and orderings.
import {describe, expect, it} from 'vitest'
import {articleType} from '../../schemas/articleType.ts'
import {formatHijriBn} from '../../bangla/index.ts'
import {
  headlineType,
  LAST_POSITION_QUERY,
  nextHeadlinePosition,
} from '../../schemas/headlineType.ts'
import {
  ARTICLE_TYPE,
  HEADLINE_TYPE,
  SECTIONS,
  SOURCE_KINDS,
  SOURCE_TYPE,
} from '../../schemas/names.ts'
import {sourceType} from '../../schemas/sourceType.ts'
import {schemaTypes} from '../../schemas/index.ts'
import {schema} from './_validate.ts'

type CompiledField = {
  name: string
  type: {
    name: string
    jsonType: string
    to?: {name: string}[]
    of?: {name: string; to?: {name: string}[]}[]
    fields?: CompiledField[]
  }
}

function fieldsOf(typeName: string): Map<string, CompiledField['type']> {
  const type = schema.get(typeName) as unknown as {fields: CompiledField[]}
  return new Map(type.fields.map((field) => [field.name, field.type]))
}

const BENGALI = /[\u0980-\u09FF]/

describe('article fields', () => {
  const fields = fieldsOf(ARTICLE_TYPE)
  it.each([
    ['title', 'string'],
    ['sortKey', 'string'],
    ['slug', 'slug'],
    ['kicker', 'string'],
    ['subheadline', 'string'],
    ['dateline', 'dateline'],
    ['publishedAt', 'datetime'],
    ['updatedAt', 'datetime'],
    ['summary', 'text'],
    ['body', 'articleBody'],
    ['leadImage', 'leadImage'],
    ['byline', 'string'],
    ['source', 'reference'],
    ['credits', 'array'],
    ['deskInitials', 'string'],
    ['section', 'string'],
    ['tags', 'array'],
    ['relatedHeadlines', 'array'],
    ['corrections', 'array'],
  ])('%s is a %s', (name, type) => {
    expect(fields.get(name)?.name).toBe(type)
  })

  it('has the dateline, lead image and correction sub-fields', () => {
    const sub = (type: string) => fieldsOf(type)
    expect([...sub('dateline').keys()]).toEqual(['text', 'place'])
    expect([...sub('leadImage').keys()]).toEqual(
      expect.arrayContaining(['alt', 'caption', 'credit']),
    )
    expect([...sub('correction').entries()].map(([n, t]) => [n, t.name])).toEqual([
      ['date', 'date'],
      ['text', 'text'],
    ])
  })

  it('references source and headlines, and keeps strings in credits and tags', () => {
    expect(fields.get('source')?.to?.map((t) => t.name)).toEqual([SOURCE_TYPE])
    const related = fields.get('relatedHeadlines')?.of?.[0]
    expect(related?.to?.map((t) => t.name)).toEqual([HEADLINE_TYPE])
    expect(fields.get('credits')?.of?.map((t) => t.name)).toEqual(['string'])
    expect(fields.get('tags')?.of?.map((t) => t.name)).toEqual(['string'])
    expect(fields.get('corrections')?.of?.map((t) => t.name)).toEqual(['correction'])
  })

  it('offers exactly the eight sections, stored in Bengali (NFC)', () => {
    const section = articleType.fields.find((f) => f.name === 'section') as {
      options: {list: {value: string}[]}
    }
    expect(section.options.list.map((item) => item.value)).toEqual([...SECTIONS])
    for (const value of SECTIONS) expect(value).toBe(value.normalize('NFC'))
  })

  it('body is Portable Text with paragraphs, h2/h3, blockquote, strong/em and links', () => {
    const body = schemaTypes.find((t) => t.name === 'articleBody') as unknown as {
      of: {
        styles: {value: string}[]
        marks: {decorators: {value: string}[]; annotations: {name: string}[]}
      }[]
    }
    const block = body.of[0]
    expect(block.styles.map((s) => s.value)).toEqual(['normal', 'h2', 'h3', 'blockquote'])
    expect(block.marks.decorators.map((d) => d.value)).toEqual(['strong', 'em'])
    expect(block.marks.annotations.map((a) => a.name)).toEqual(['link'])
  })
})

describe('headline and source fields', () => {
  it('headline: text, speaker, article, position, breaking', () => {
    const fields = fieldsOf(HEADLINE_TYPE)
    expect([...fields.entries()].map(([n, t]) => [n, t.name])).toEqual([
      ['text', 'string'],
      ['sortKey', 'string'],
      ['speaker', 'string'],
      ['article', 'reference'],
      ['position', 'number'],
      ['breaking', 'boolean'],
    ])
    expect(fields.get('article')?.to?.map((t) => t.name)).toEqual([ARTICLE_TYPE])
  })

  it('source: name, slug, shortName, kind, url', () => {
    const fields = fieldsOf(SOURCE_TYPE)
    expect([...fields.entries()].map(([n, t]) => [n, t.name])).toEqual([
      ['name', 'string'],
      ['slug', 'slug'],
      ['shortName', 'string'],
      ['kind', 'string'],
      ['url', 'url'],
    ])
    const kind = sourceType.fields.find((f) => f.name === 'kind') as {
      options: {list: {value: string}[]}
    }
    expect(kind.options.list.map((k) => k.value)).toEqual(SOURCE_KINDS.map((k) => k.value))
  })
})

describe('editor-facing metadata', () => {
  it('every type has an ASCII name and a Bengali title; documents have icons and descriptions', () => {
    for (const type of schemaTypes) {
      expect(type.name).toMatch(/^[a-zA-Z]+$/)
      expect(type.title).toMatch(BENGALI)
    }
    for (const type of [articleType, headlineType, sourceType]) {
      expect(type.icon).toBeTruthy()
      expect(type.description).toMatch(BENGALI)
      for (const field of type.fields) expect(field.title).toMatch(BENGALI)
    }
  })

  it('orders articles by publishedAt, newest first, and headlines by position', () => {
    expect(articleType.orderings?.[0].by).toEqual([{field: 'publishedAt', direction: 'desc'}])
    expect(headlineType.orderings?.[0].by).toEqual([{field: 'position', direction: 'asc'}])
  })

  it('previews an article: date and source in the subtitle, weekday, Bangla and Hijri dates in the description', () => {
    const preview = articleType.preview!.prepare!({
      title: 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক',
      publishedAt: '2025-07-15T04:00:00.000Z',
      sourceName: 'চায়না মিডিয়া গ্রুপ',
      media: undefined,
    })
    // Short enough for a 340 px pane: the source is no longer cut off.
    expect(preview.subtitle).toBe('১৫ জুলাই ২০২৫ · চায়না মিডিয়া গ্রুপ')
    // The Hijri day comes from bangla/ (its Bangladesh adjustment lives there).
    expect(preview.description).toBe(
      `মঙ্গলবার · ৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ · ${formatHijriBn('2025-07-15T04:00:00.000Z')}`,
    )
    expect(preview.description).toMatch(/ ১৪৪৭ হিজরি$/)
  })

  it('sorts by title in Bengali alphabetical order and places a new headline last', async () => {
    // By the stored Bengali sort key (tests/studio/sorting.test.ts), then the text itself.
    expect(articleType.orderings?.find((o) => o.name === 'titleAsc')?.by).toEqual([
      {field: 'sortKey', direction: 'asc'},
      {field: 'title', direction: 'asc'},
    ])
    expect(headlineType.orderings?.find((o) => o.name === 'textAsc')?.by).toEqual([
      {field: 'sortKey', direction: 'asc'},
      {field: 'text', direction: 'asc'},
    ])
    const queries: string[] = []
    const context = (last: unknown) => ({
      getClient: () => ({fetch: async (query: string) => (queries.push(query), last)}),
    })
    const position = (last: unknown) =>
      nextHeadlinePosition(undefined, context(last) as never) as Promise<number>
    expect(await position(7)).toBe(8)
    expect(await position(null)).toBe(0)
    expect(queries[0]).toBe(LAST_POSITION_QUERY)
  })

  it('previews a headline as “text : speaker” like the printed list', () => {
    const prepare = headlineType.preview!.prepare!
    expect(prepare({text: 'সম্পর্ক আগের চেয়ে উন্নত', speaker: 'লাভরভ', breaking: false}).title).toBe(
      'সম্পর্ক আগের চেয়ে উন্নত : লাভরভ',
    )
    expect(prepare({text: 'সম্পর্ক আগের চেয়ে উন্নত', speaker: undefined, breaking: true}).title).toBe(
      'সম্পর্ক আগের চেয়ে উন্নত',
    )
  })
})

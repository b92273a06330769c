// Every validation rule of the content model, with Bengali text that passes and text that fails,
// run through Sanity's own validateDocument so levels, paths and messages are what editors see.
import {describe, expect, it} from 'vitest'
import {seedArticle, validate, type Marker} from './_validate.ts'

const errors = (markers: Marker[], path?: string) =>
  markers.filter((m) => m.level === 'error' && (path === undefined || m.path === path))
const warnings = (markers: Marker[], path?: string) =>
  markers.filter((m) => m.level === 'warning' && (path === undefined || m.path === path))

// 'য়' typed as the precomposed code point U+09DF; NFC turns it into য + nukta (U+09AF U+09BC).
const PRECOMPOSED_YA = '\u09DF'

describe('article validation', () => {
  it('accepts the seed article with no errors or warnings', async () => {
    expect(await validate(seedArticle())).toEqual([])
  })

  it('requires title, slug and publishedAt with Bengali messages', async () => {
    const markers = await validate(
      seedArticle({title: undefined, slug: undefined, publishedAt: undefined}),
    )
    expect(errors(markers, 'title').map((m) => m.message)).toEqual(['শিরোনাম দিন'])
    expect(errors(markers, 'slug')[0].message).toMatch(/স্লাগ দিন/)
    expect(errors(markers, 'publishedAt')[0].message).toBe('প্রকাশের সময় দিন')
  })

  describe('title length in graphemes', () => {
    it('counts conjuncts as one letter: 80 × স্ত্রী (480 UTF-16 units) passes', async () => {
      const title = 'স্ত্রী'.repeat(80)
      expect(title.length).toBe(480)
      expect(await validate(seedArticle({title}))).toEqual([])
    })

    it('warns above 90 graphemes and stays valid', async () => {
      const markers = await validate(seedArticle({title: 'কা'.repeat(91)}))
      expect(errors(markers)).toEqual([])
      expect(warnings(markers, 'title')).toHaveLength(1)
      expect(warnings(markers, 'title')[0].message).toMatch(/৯০/)
    })

    it('passes at exactly 90 graphemes', async () => {
      expect(await validate(seedArticle({title: 'কা'.repeat(90)}))).toEqual([])
    })

    it('is an error above 150 graphemes (and only the error is shown)', async () => {
      const markers = await validate(seedArticle({title: 'কা'.repeat(151)}))
      expect(errors(markers, 'title')).toHaveLength(1)
      expect(errors(markers, 'title')[0].message).toMatch(/১৫০/)
      expect(warnings(markers, 'title')).toEqual([])
    })
  })

  it('warns when the title has no Bengali letters', async () => {
    const markers = await validate(seedArticle({title: 'Xi Jinping meets Sergei Lavrov'}))
    expect(errors(markers)).toEqual([])
    expect(warnings(markers, 'title')).toHaveLength(1)
    // Bengali digits and danda alone are not Bengali letters.
    expect(warnings(await validate(seedArticle({title: '২০২৫।'})), 'title')).toHaveLength(1)
  })

  describe('spacing', () => {
    it.each([
      ['leading', ' চীনের প্রেসিডেন্ট'],
      ['trailing', 'চীনের প্রেসিডেন্ট '],
      ['double', 'চীনের  প্রেসিডেন্ট'],
    ])('a %s space is an error whose message says how to fix it', async (_kind, title) => {
      const [error] = errors(await validate(seedArticle({title})), 'title')
      expect(error.message).toMatch(/মুছে দিন/)
    })

    it('checks nested and array fields too (dateline.text, credits[])', async () => {
      const markers = await validate(
        seedArticle({
          dateline: {_type: 'dateline', text: 'মঙ্গলবার  সকালে'},
          credits: ['অনুপমা '],
        }),
      )
      expect(errors(markers, 'dateline.text')).toHaveLength(1)
      expect(errors(markers).some((m) => m.path.startsWith('credits'))).toBe(true)
    })
  })

  describe('digits', () => {
    it('rejects a number mixing Bengali and ASCII digits', async () => {
      const markers = await validate(seedArticle({subheadline: 'বাজেট ২০23 সালে পাস'}))
      expect(errors(markers, 'subheadline')).toHaveLength(1)
      expect(errors(markers, 'subheadline')[0].message).toMatch(/২০২৩/)
    })

    it('accepts all-Bengali or all-ASCII numbers', async () => {
      expect(await validate(seedArticle({subheadline: 'বাজেট ২০২৩ সালে পাস'}))).toEqual([])
      expect(await validate(seedArticle({subheadline: 'বাজেট 2023 সালে পাস'}))).toEqual([])
    })
  })

  describe('NFC', () => {
    it('flags text that is not NFC', async () => {
      const markers = await validate(seedArticle({kicker: `রাশি${PRECOMPOSED_YA}া`}))
      expect(errors(markers, 'kicker')).toHaveLength(1)
      expect(errors(markers, 'kicker')[0].message).toMatch(/NFC/)
    })

    it('accepts the same word in NFC', async () => {
      expect(
        await validate(seedArticle({kicker: `রাশি${PRECOMPOSED_YA}া`.normalize('NFC')})),
      ).toEqual([])
    })

    it('flags non-NFC text inside the Portable Text body', async () => {
      const body = (text: string) => [
        {
          _type: 'block',
          _key: 'b1',
          style: 'normal',
          markDefs: [],
          children: [{_type: 'span', _key: 's1', text, marks: []}],
        },
      ]
      expect(
        errors(await validate(seedArticle({body: body(`রাশি${PRECOMPOSED_YA}া`)})), 'body'),
      ).toHaveLength(1)
      expect(await validate(seedArticle({body: body('রাশিয়া')}))).toEqual([])
    })
  })

  it('rejects an update time before the publication time', async () => {
    const markers = await validate(seedArticle({updatedAt: '2025-07-14T04:00:00.000Z'}))
    expect(errors(markers, 'updatedAt')[0].message).toMatch(/হালনাগাদের সময়/)
    expect(await validate(seedArticle({updatedAt: '2025-07-15T06:00:00.000Z'}))).toEqual([])
  })

  it('requires alt text on a lead image', async () => {
    const image = {_type: 'leadImage', asset: {_type: 'reference', _ref: 'image-abc-10x10-jpg'}}
    const markers = await validate(seedArticle({leadImage: image}))
    expect(errors(markers, 'leadImage.alt')).toHaveLength(1)
    const withAlt = {...image, alt: 'মহাগণভবনে বৈঠকে সি চিন পিং ও সার্গেই লাভরভ'}
    expect(await validate(seedArticle({leadImage: withAlt}))).toEqual([])
  })

  it('requires a correction text and date', async () => {
    const markers = await validate(
      seedArticle({corrections: [{_type: 'correction', _key: 'c1', text: 'বানান সংশোধন'}]}),
    )
    expect(errors(markers).map((m) => m.path)).toEqual(['corrections.[c1].date'])
  })
})

describe('headline validation', () => {
  const headline = (overrides: Record<string, unknown> = {}) => ({
    _type: 'headline',
    text: 'চীন-রাশিয়া সম্পর্ক আগের চেয়ে উন্নত',
    speaker: 'লাভরভ',
    position: 3,
    breaking: false,
    ...overrides,
  })

  it('accepts a headline with a speaker', async () => {
    expect(await validate(headline())).toEqual([])
  })

  it('requires text', async () => {
    expect(errors(await validate(headline({text: undefined})), 'text')[0].message).toBe(
      'শিরোনাম লিখুন',
    )
  })

  it('allows 120 graphemes and rejects 121', async () => {
    expect(await validate(headline({text: 'কা'.repeat(120)}))).toEqual([])
    const markers = await validate(headline({text: 'কা'.repeat(121)}))
    expect(errors(markers, 'text')).toHaveLength(1)
    expect(errors(markers, 'text')[0].message).toMatch(/১২০/)
  })

  it('rejects a negative or fractional position', async () => {
    expect(errors(await validate(headline({position: -1})), 'position')).toHaveLength(1)
    expect(errors(await validate(headline({position: 1.5})), 'position')).toHaveLength(1)
  })

  it('checks the speaker for spacing', async () => {
    expect(errors(await validate(headline({speaker: ' লাভরভ'})), 'speaker')).toHaveLength(1)
  })
})

describe('source validation', () => {
  it('requires a name and accepts a Bengali agency', async () => {
    const source = {
      _type: 'source',
      name: 'চায়না মিডিয়া গ্রুপ',
      shortName: 'সিএমজি',
      kind: 'broadcaster',
    }
    expect(await validate(source)).toEqual([])
    expect(errors(await validate({...source, name: undefined}), 'name')[0].message).toBe(
      'সূত্রের নাম দিন',
    )
  })
})

import {describe, expect, it} from 'vitest'
import {headingSlugs, markdownLinks, slugify} from './markdown.ts'

describe('slugify (GitHub heading anchors)', () => {
  it.each([
    ['End-to-end tests (`npm run test:e2e`)', 'end-to-end-tests-npm-run-teste2e'],
    ["The lake's suites", 'the-lakes-suites'],
    ['`article` (প্রতিবেদন)', 'article-প্রতিবেদন'],
    ['Listeners (`GET /v{ver}/data/listen/{dataset}`)', 'listeners-get-vverdatalistendataset'],
    ['Users, tokens and roles', 'users-tokens-and-roles'],
    ['The scripts (import, query, export)', 'the-scripts-import-query-export'],
  ])('%s → #%s', (heading, slug) => {
    expect(slugify(heading)).toBe(slug)
  })

  it('numbers repeated headings and ignores headings inside code blocks', () => {
    const slugs = headingSlugs('# Tests\n\n## Tests\n\n```sh\n# not a heading\n```\n')
    expect([...slugs]).toEqual(['tests', 'tests-1'])
  })
})

describe('markdownLinks', () => {
  it('finds relative links and reference definitions, not URLs or code', () => {
    const md = [
      'See [the API](docs/lake-api.md#endpoints) and [Sanity](https://www.sanity.io/docs).',
      '`[not](a-link.md)` and [mail](mailto:x@example.org)',
      '```md',
      '[inside](code.md)',
      '```',
      '[ref]: ./testing.md',
    ].join('\n')
    expect(markdownLinks(md)).toEqual([
      {target: 'docs/lake-api.md#endpoints', line: 1},
      {target: './testing.md', line: 6},
    ])
  })
})

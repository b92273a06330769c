import {describe, expect, it} from 'vitest'
import {
  headingSlugs,
  markdownCommands,
  markdownCurls,
  markdownLinks,
  markdownQueries,
  slugify,
  tableCells,
} from './markdown.ts'

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

describe('markdownCommands', () => {
  it('finds npm scripts and npx files with their subcommands, flags and variables', () => {
    const md = [
      'Run `npm run bench -- --writes [--full]` or `npm run dev`.',
      'BENCH_MEM_TRACE=1 npm run bench -- --queries   # the --full one too',
      'eval "$(npm run -s lake -- env --export)"',
      'npm run lake -- users add --email a@b.org --name "রিনা দাস" --role editor',
      'npm run query -- \'*[_type == "a"]{x}\' --perspective drafts | head',
      'npx node bench/bulk.ts --against ../other --rounds 2 and `npx vitest run tests/x.test.ts`',
      'then `npx playwright show-report`',
    ].join('\n')
    const brief = markdownCommands(md).map(({kind, target, words, flags, env, line}) =>
      [line, kind, target, words.join(' '), flags.join(' '), env.join(' ')].join('|'),
    )
    expect(brief).toEqual([
      '1|script|bench||--writes --full|',
      '1|script|dev|||',
      '2|script|bench||--queries|BENCH_MEM_TRACE',
      '3|script|lake|env|--export|',
      '4|script|lake|users add|--email --name --role|',
      '5|script|query||--perspective|',
      '6|node|bench/bulk.ts||--against --rounds|',
      '6|vitest|tests/x.test.ts|||',
      '7|bin|playwright|show-report||',
    ])
  })
})

describe('markdownCurls', () => {
  it('finds curl commands in code blocks, continued lines joined, not in prose', () => {
    const md = [
      'Prose: `curl -s https://x` is not one.',
      '```sh',
      'curl -N -H "A: b" \\',
      "  'https://localhost:3334/v1/ping'",
      'echo no',
      '```',
    ].join('\n')
    expect(markdownCurls(md)).toEqual([
      {text: `curl -N -H "A: b"    'https://localhost:3334/v1/ping'`, line: 3},
    ])
  })
})

describe('markdownQueries', () => {
  it('finds groq blocks and the queries of npm run query lines in code, with their flags', () => {
    const md = [
      "Prose: `npm run query -- 'count(*)'` is not one.",
      '```groq',
      '*[_type == "a"]',
      '  {x}',
      '```',
      '```sh',
      "npm run -s query -- '*[b == $who].c' --param who=ট্রাম্প --perspective drafts  # or raw",
      '```',
    ].join('\n')
    expect(markdownQueries(md)).toEqual([
      {query: '*[_type == "a"]\n  {x}', args: [], line: 3},
      {
        query: '*[b == $who].c',
        args: ['--param', 'who=ট্রাম্প', '--perspective', 'drafts'],
        line: 7,
      },
    ])
  })
})

describe('tableCells', () => {
  it('splits table rows into trimmed cells, keeping escaped pipes and skipping code', () => {
    const md = [
      '| a | `x \\| y` |',
      '| --- | --- |',
      '```',
      '| not | a table |',
      '```',
      'text | no',
    ].join('\n')
    expect(tableCells(md)).toEqual([
      {text: 'a', line: 1},
      {text: '`x \\| y`', line: 1},
      {text: '---', line: 2},
      {text: '---', line: 2},
    ])
  })
})

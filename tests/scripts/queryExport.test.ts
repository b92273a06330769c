/**
 * `npm run query` and `npm run export` against a real lake, and the NDJSON files (export and
 * import --ndjson) loaded back with @sanity/import, the library behind `sanity dataset import`.
 */
import {execFile} from 'node:child_process'
import {createReadStream} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {sanityImport} from '@sanity/import'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {run as runExport} from '../../scripts/export.ts'
import {run as runImport} from '../../scripts/import.ts'
import {parseNdjson} from '../../scripts/lib/ndjson.ts'
import {parseParams, run as runQuery} from '../../scripts/query.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'
import {captureIo, REPO_ROOT} from '../helpers/io.ts'
import {DOCS, read} from '../docs/docFiles.ts'
import {markdownQueries} from '../docs/markdown.ts'

const run = promisify(execFile)
// @sanity/import is typed against its own copy of @sanity/client; the instances are compatible.
type ImportClient = Parameters<typeof sanityImport>[1]['client']
const importClient = (client: unknown) => client as ImportClient
const ISSUE_QUERY =
  '*[_type=="article"][0]{title, "source": source->name, "related": relatedHeadlines[]->text}'

let lake: TestLake
let work: string
let env: Record<string, string>

beforeAll(async () => {
  lake = await startTestLake()
  work = await mkdtemp(join(tmpdir(), 'query-export-test-'))
  env = {SANITY_STUDIO_API_HOST: lake.url, LAKE_DATA: lake.dataDir, SANITY_STUDIO_DATASET: 'news'}
  const undated = join(work, 'undated.txt')
  await writeFile(undated, 'তারিখহীন খবর\n\nকোনো তারিখ নেই।\nসূত্র: বাসস।\n')
  const io = captureIo({env})
  expect(
    await runImport(['data/seed', undated, '--as-of', '2025-07-20', '--create-dataset'], io),
  ).toBe(0)
})

afterAll(async () => {
  await lake?.close()
  await rm(work, {recursive: true, force: true})
})

/** Runs a script as a child process with the project's Node (the npm `node` package). */
function spawnScript(command: string, args: string[], extraEnv: Record<string, string> = env) {
  return run(command, args, {cwd: REPO_ROOT, env: {...process.env, ...extraEnv}, encoding: 'utf8'})
}

type ArticleView = {title: string; source: string; related: string[]}

describe('npm run query', () => {
  it("shows the issue's example: the article, its source and its 11 related headlines", async () => {
    const {stdout} = await spawnScript('npm', ['run', '-s', 'query', '--', ISSUE_QUERY])
    // Piped: one line of JSON, Bengali as text.
    expect(stdout.trim().split('\n')).toHaveLength(1)
    expect(stdout).not.toMatch(/\\u/)
    const view = JSON.parse(stdout) as ArticleView
    expect(view.title).toBe('চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক')
    expect(view.source).toBe('চায়না মিডিয়া গ্রুপ'.normalize('NFC'))
    expect(view.related).toHaveLength(11)
    expect(view.related[0]).toBe('এসসিও সহযোগিতার ক্ষেত্রগুলো ক্রমাগত প্রসারিত করছে'.normalize('NFC'))
    expect(view.related).not.toContain(view.title)
  })

  it('prints indented JSON on a terminal', async () => {
    const io = captureIo({env, tty: true})
    const code = await runQuery(
      ['*[_type == "source" && kind == "broadcaster"][0]{name, kind}'],
      io,
    )
    expect({code, stderr: io.err()}).toEqual({code: 0, stderr: ''})
    expect(io.out()).toBe(
      `{\n  "name": "${'চায়না মিডিয়া গ্রুপ'.normalize('NFC')}",\n  "kind": "broadcaster"\n}\n`,
    )
  })

  it('passes --param values, read as JSON when they are JSON', async () => {
    expect(parseParams(['who=ট্রাম্প', 'n=3', 'ids=["a"]', 'q="3"'])).toEqual({
      who: 'ট্রাম্প',
      n: 3,
      ids: ['a'],
      q: '3',
    })
    const io = captureIo({env})
    const code = await runQuery(
      [
        '*[_type == "headline" && speaker == $who] | order(position asc).position',
        '--param',
        'who=ট্রাম্প',
      ],
      io,
    )
    expect(code).toBe(0)
    expect(JSON.parse(io.out())).toEqual([10, 12])
  })

  // Stored text is NFC, where য় (U+09DF, a composition exclusion) is য + ়. A keyboard that types
  // the precomposed letter found nothing: the lake compares code points, as hosted Sanity does.
  it('passes --param text in NFC, so a precomposed য় finds what is stored', async () => {
    const query = '*[_type == "headline" && text match $q].text'
    const typed = async (q: string, form: (q: string) => string) => {
      const io = captureIo({env})
      const code = await runQuery([query, '--param', form(q)], io)
      expect({code, stderr: io.err()}).toEqual({code: 0, stderr: ''})
      return JSON.parse(io.out()) as string[]
    }
    const precomposed = 'গাজা\u09df যুদ্ধবিরতি'
    expect(precomposed.normalize('NFC')).not.toBe(precomposed)
    const found = await typed(precomposed.normalize('NFC'), (q) => `q=${q}`)
    expect(found.length).toBeGreaterThan(0)
    expect(await typed(precomposed, (q) => `q=${q}`)).toEqual(found)
    expect(await typed(precomposed, (q) => `q=["${q}"]`)).toEqual(found)
    expect(
      await typed(precomposed, (q) => `q=${JSON.stringify(q).replace('\u09df', '\\u09df')}`),
    ).toEqual(found)
  })

  it('refuses a --param number past what JSON carries, as its other usage errors', async () => {
    // JSON.parse read it as Infinity, which the client sent as null: `null`, exit 0.
    for (const [pair, shown] of [
      ['n=1e400', '1e400'],
      ['n=-1e400', '-1e400'],
      ['n=[1, {"x": 1e999}]', '1e999'],
    ]) {
      const io = captureIo({env})
      expect(await runQuery(['$n', '--param', pair], io), pair).toBe(2)
      expect(io.out(), pair).toBe('')
      expect(io.err(), pair).toContain(`--param n`)
      expect(io.err(), pair).toContain(shown)
    }
  })

  it('refuses a --param number too small for a double, which read as 0', async () => {
    for (const [pair, shown] of [
      ['n=1e-400', '1e-400'],
      ['n=-2.5e-330', '-2.5e-330'],
      ['n=[0, {"x": 1e-999}]', '1e-999'],
    ]) {
      const io = captureIo({env})
      expect(await runQuery(['$n', '--param', pair], io), pair).toBe(2)
      expect(io.out(), pair).toBe('')
      expect(io.err(), pair).toContain(`--param n`)
      expect(io.err(), pair).toContain(shown)
    }
    // A zero written as one, and the smallest number a double holds, are read as they are.
    for (const [pair, answer] of [
      ['n=0e-400', 0],
      ['n=5e-324', 5e-324],
    ] as const) {
      const io = captureIo({env})
      expect(await runQuery(['$n', '--param', pair], io), pair).toBe(0)
      expect(JSON.parse(io.out()), pair).toBe(answer)
    }
  })

  it('shows drafts only with --perspective drafts or raw', async () => {
    const titles = async (perspective: string) => {
      const io = captureIo({env})
      await runQuery(
        ['*[_type == "article"] | order(title asc).title', '--perspective', perspective],
        io,
      )
      return JSON.parse(io.out()) as string[]
    }
    expect(await titles('published')).toHaveLength(1)
    expect(await titles('drafts')).toHaveLength(2)
    expect(await titles('raw')).toHaveLength(2)
  })

  it('exits 2 with the parse error for a bad query, and 1 when the lake is down', async () => {
    const bad = captureIo({env})
    expect(await runQuery(['*[_type == '], bad)).toBe(2)
    expect(bad.err()).not.toBe('')
    const down = captureIo({env: {...env, SANITY_STUDIO_API_HOST: 'http://127.0.0.1:9'}})
    expect(await runQuery(['1'], down)).toBe(1)
    expect(down.err()).toContain('npm run lake')
  })

  it('fails on a dataset the lake has not (a misspelt --dataset), naming those it has', async () => {
    const {stdout, stderr, code} = await spawnScript('npm', [
      'run',
      '-s',
      'query',
      '--',
      'count(*)',
      '--dataset',
      'prodution',
    ]).then(
      (done) => ({...done, code: 0}),
      (failed: {stdout: string; stderr: string; code: number}) => failed,
    )
    expect({code, stdout}).toEqual({code: 1, stdout: ''})
    expect(stderr).toMatch(
      new RegExp(
        `No dataset "prodution" on the local lake at ${lake.url} \\(it has: [^)]*\\bnews\\b[^)]*\\bproduction\\b`,
      ),
    )

    // Without a token the list is refused (401): the query is asked as before, and the lake
    // answers the unknown dataset as an empty one.
    const anonymous = captureIo({env: {...env, LAKE_DATA: work}})
    expect(await runQuery(['count(*)', '--dataset', 'prodution'], anonymous)).toBe(0)
    expect(anonymous.out()).toBe('0\n')
  })
})

describe('npm run export', () => {
  it('writes the dataset as NDJSON that sanity dataset import loads back unchanged', async () => {
    const out = join(work, 'export.ndjson')
    const {stderr} = await spawnScript('./node_modules/.bin/node', ['scripts/export.ts', out])
    expect(stderr).toMatch(/Done! Exported 16 documents from dataset "news"/)
    const exported = parseNdjson(await readFile(out, 'utf8')) as {_id: string; _type: string}[]
    expect(exported).toHaveLength(16)
    expect(exported.filter((doc) => doc._id.startsWith('drafts.'))).toHaveLength(1)

    const target = lake.client({dataset: 'restored'})
    const result = await sanityImport(createReadStream(out), {
      client: importClient(target),
      operation: 'create',
    })
    expect(result.numDocs).toBe(16)
    const strip = ({_rev, _updatedAt, _createdAt, ...doc}: Record<string, unknown>) => {
      void _rev
      void _updatedAt
      void _createdAt
      return doc
    }
    const restored = await target.fetch<Record<string, unknown>[]>(
      '*[!(_id in path("_.**"))] | order(_id asc)',
      {},
      {perspective: 'raw'},
    )
    const original = [...exported].sort((a, b) => (a._id < b._id ? -1 : 1))
    expect(restored.map(strip)).toEqual(original.map(strip))
  })

  it('leaves drafts out with --no-drafts', async () => {
    const io = captureIo({env})
    expect(await runExport(['--no-drafts'], io)).toBe(0)
    expect(parseNdjson(io.out())).toHaveLength(15)
  })

  it('refuses without a token, writing nothing, as the import does', async () => {
    const out = join(work, 'no-token.ndjson')
    const bare = {SANITY_STUDIO_API_HOST: lake.url, LAKE_DATA: join(work, 'nowhere')}
    const io = captureIo({env: bare})
    expect(await runExport([out], io)).toBe(1)
    expect(io.err()).toMatch(/No token for .*SANITY_API_TOKEN/)
    expect(io.err()).not.toContain('Done!')
    await expect(readFile(out)).rejects.toThrow(/ENOENT/)
  })

  it('fails on a dataset the lake has not, writing nothing', async () => {
    const out = join(work, 'misspelt.ndjson')
    const io = captureIo({env})
    expect(await runExport(['--dataset', 'prodution', out], io)).toBe(1)
    expect(io.err()).toMatch(
      /No dataset "prodution" on the local lake at .*\(it has: [^)]*\bnews\b/,
    )
    expect(io.err()).not.toContain('Done!')
    await expect(readFile(out)).rejects.toThrow(/ENOENT/)
  })

  it('keeps releases with their versions (as @sanity/export), and both go with --no-drafts', async () => {
    const client = lake.client({dataset: 'releases'})
    await client
      .transaction()
      .create({_id: '_.releases.rA', _type: 'system.release', name: 'rA', metadata: {title: 'ঈদ'}})
      .create({_id: 'versions.rA.story', _type: 'article', title: 'ঈদের খবর'})
      .create({_id: 'story', _type: 'article', title: 'খবর'})
      .commit()
    const io = captureIo({env})
    expect(await runExport(['--dataset', 'releases'], io)).toBe(0)
    const ids = (parseNdjson(io.out()) as {_id: string}[]).map((doc) => doc._id).sort()
    expect(ids).toEqual(['_.releases.rA', 'story', 'versions.rA.story'])
    const published = captureIo({env})
    expect(await runExport(['--dataset', 'releases', '--no-drafts'], published)).toBe(0)
    expect((parseNdjson(published.out()) as {_id: string}[]).map((doc) => doc._id)).toEqual([
      'story',
    ])
  })

  it('warns that asset documents go without their files, naming the route that moves them', async () => {
    const client = lake.client({dataset: 'pictures'})
    await client.assets.upload('file', Buffer.from('বিজ্ঞপ্তি\n'), {filename: 'press.txt'})
    const io = captureIo({env})
    expect(await runExport(['--dataset', 'pictures'], io)).toBe(0)
    expect(parseNdjson(io.out())).toHaveLength(1)
    expect(io.err()).toMatch(/1 asset document.*without (its|their) files?/)
    expect(io.err()).toContain('@sanity/export')
  })
})

describe('import --ndjson', () => {
  it('writes a file that sanity dataset import accepts', async () => {
    const out = join(work, 'seed.ndjson')
    const io = captureIo({env})
    expect(await runImport(['--ndjson', out, '--as-of', '2025-07-20'], io)).toBe(0)
    const target = lake.client({dataset: 'from-ndjson'})
    const result = await sanityImport(createReadStream(out), {
      client: importClient(target),
      operation: 'create',
    })
    expect(result.numDocs).toBe(14)
    const view = await target.fetch<ArticleView>(ISSUE_QUERY)
    expect(view.related).toHaveLength(11)
  })
})

describe('the GROQ examples in README.md and docs/', () => {
  // Each ```groq block and each `npm run query -- '…'` in a code block, run as a newcomer would
  // against the seed: a doc example that no longer parses or finds nothing fails here.
  const examples = DOCS.flatMap((file) =>
    markdownQueries(read(file)).map((example) => ({...example, where: `${file}:${example.line}`})),
  )

  it('are found', () => {
    // By file, not line: a doc edited above its example moved it (docs/search.md:38 to :42).
    const files = new Set(examples.map((example) => example.where.replace(/:\d+$/, '')))
    expect([...files]).toEqual(
      expect.arrayContaining(['README.md', 'docs/groq.md', 'docs/search.md']),
    )
  })

  it.each(examples)('$where runs and finds the seed', async ({query, args}) => {
    // A search example's $search is what a reader would type: a word of the seed's title.
    const search = /\$search\b/.test(query) ? ['--param', 'search=বৈঠক'] : []
    const io = captureIo({env})
    const code = await runQuery([query, ...args, ...search], io)
    expect({code, stderr: io.err()}).toEqual({code: 0, stderr: ''})
    const result = JSON.parse(io.out()) as unknown
    expect(result === null || result === 0 || (Array.isArray(result) && result.length === 0)).toBe(
      false,
    )
  })
})

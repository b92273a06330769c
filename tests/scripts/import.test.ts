/**
 * The import against a real lake over HTTP: document counts, idempotency, --replace, and one
 * transaction per file.
 */
import {execFile} from 'node:child_process'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {commitFiles, run as runImport} from '../../scripts/import.ts'
import {parseNdjson} from '../../scripts/lib/ndjson.ts'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {articleId, headlineId, toDocuments} from '../../scripts/lib/toDocuments.ts'
import {captureIo, REPO_ROOT, SEED_FILE} from '../helpers/io.ts'
import {useImportLake} from '../helpers/importer.ts'

const fixture = useImportLake('import-test-')
const {importInto} = fixture

type Doc = {_id: string; _type: string; _rev: string; [field: string]: unknown}

async function allDocuments(dataset: string): Promise<Doc[]> {
  return fixture.lake
    .client({dataset})
    .fetch<Doc[]>('*[!(_id in path("_.**"))] | order(_id asc)', {}, {perspective: 'raw'})
}

describe('import into the lake', () => {
  it('imports the seed into an empty dataset as exactly 14 documents', async () => {
    const {code, stderr} = await importInto('seed', [])
    expect(code).toBe(0)
    expect(stderr).toMatch(/Done! Imported 14 documents to dataset "seed"/)

    const docs = await allDocuments('seed')
    expect(docs).toHaveLength(14)
    const byType = (type: string) => docs.filter((doc) => doc._type === type)
    expect(byType('article')).toHaveLength(1)
    expect(byType('headline')).toHaveLength(12)
    expect(byType('source')).toHaveLength(1)

    const article = byType('article')[0]!
    // No --as-of: the reference date is today in Dhaka (pinned to 2025-07-20 here).
    expect(article.publishedAt).toBe('2025-07-14T18:00:00.000Z')
    expect(article.body).toHaveLength(4)
    expect(article.credits).toEqual(['অনুপমা', 'আলিম', 'ছাই'])
    expect(article.deskInitials).toBe('এমএসএম / এমএসএম')
    // CMG's stories are international news: the source's default section.
    expect(article.section).toBe('আন্তর্জাতিক')

    const view = await fixture.lake.client({dataset: 'seed'}).fetch<{
      source: string
      related: string[]
      fifth: {text: string; article: string}
      speakers: number
    }>(
      `{
        "source": *[_type == "article"][0].source->name,
        "related": *[_type == "article"][0].relatedHeadlines[]->text,
        "fifth": *[_type == "headline" && position == 5][0]{text, "article": article->title},
        "speakers": count(*[_type == "headline" && defined(speaker)])
      }`,
    )
    expect(view.source).toBe('চায়না মিডিয়া গ্রুপ'.normalize('NFC'))
    expect(view.related).toHaveLength(11)
    expect(view.fifth.text).toBe(article.title)
    expect(view.fifth.article).toBe(article.title)
    expect(view.speakers).toBe(4)
  })

  it('changes nothing when run again (same _rev on every document)', async () => {
    await importInto('again', ['--as-of', '2025-07-20'])
    const before = await allDocuments('again')
    const {code, stderr} = await importInto('again', ['--as-of', '2025-07-20'])
    expect(code).toBe(0)
    expect(stderr).toMatch(/Imported 0 documents .*; 14 already there, left as they are\)/)
    // It said "Imported 0 documents … in 0.1 s, 146 documents/s": the rate is of those checked.
    expect(stderr).toMatch(/ s, \d+ documents\/s written or found there\.\n/)
    expect(await allDocuments('again')).toEqual(before)
  })

  it('updates the same article when a file with runs of blanks is imported again', async () => {
    const title = 'বাজেট  ঘোষণা   আজ'
    const first = 'আজ বুধবার (১৬ জুলাই)  সংসদে বাজেট পেশ করা হবে।'
    const file = join(fixture.work, 'blanks.txt')
    await writeFile(file, `${title}\n\n${first}\nসূত্র: প্রথম আলো।\n`)
    // The earlier import read each line as NFC and trimmed, blanks kept, and hashed that.
    const oldId = articleId(title.normalize('NFC').trim(), first.normalize('NFC').trim())
    const client = fixture.lake.client({dataset: 'blanks'})
    await client.create({_id: oldId, _type: 'article', title})

    const {code, stderr} = await importInto('blanks', [file, '--as-of', '2025-07-20', '--replace'])
    expect(code, stderr).toBe(0)
    const articles = (await allDocuments('blanks')).filter((doc) => doc._type === 'article')
    expect(articles.map((doc) => doc._id)).toEqual([oldId])
    // Stored with one space: the id keeps the text as written, the document the tidy one.
    expect(articles[0]!.title).toBe('বাজেট ঘোষণা আজ')

    expect((await importInto('blanks', [file, '--as-of', '2025-07-20'])).code).toBe(0)
    const again = (await allDocuments('blanks')).filter((doc) => doc._type === 'article')
    expect(again.map((doc) => doc._id)).toEqual([oldId])
  })

  it('updates the same headline when a headline with runs of blanks is imported again', async () => {
    const headline = 'সংসদে  বাজেট   পেশ আজ'
    const speaker = 'অর্থ  উপদেষ্টা'
    const file = join(fixture.work, 'headline-blanks.txt')
    await writeFile(
      file,
      `বাজেট ঘোষণা আজ\n\nআজ বুধবার (১৬ জুলাই) সংসদে বাজেট পেশ করা হবে।\nসূত্র: প্রথম আলো।\n\n` +
        `${headline} : ${speaker}\n`,
    )
    // The earlier import read the line as NFC and trimmed, blanks kept, split at ' : ', and
    // hashed the two parts.
    const oldId = headlineId(headline.normalize('NFC'), speaker.normalize('NFC'))
    const client = fixture.lake.client({dataset: 'headline-blanks'})
    await client.create({_id: oldId, _type: 'headline', text: headline, speaker})

    const {code, stderr} = await importInto('headline-blanks', [
      file,
      '--as-of',
      '2025-07-20',
      '--replace',
    ])
    expect(code, stderr).toBe(0)
    const headlines = async () =>
      (await allDocuments('headline-blanks')).filter(
        (doc) => doc._type === 'headline' && doc.speaker !== undefined,
      )
    const once = await headlines()
    expect(once.map((doc) => doc._id)).toEqual([oldId])
    // Stored with one space: the id keeps the text as written, the document the tidy one.
    expect(once[0]).toMatchObject({text: 'সংসদে বাজেট পেশ আজ', speaker: 'অর্থ উপদেষ্টা'})

    expect((await importInto('headline-blanks', [file, '--as-of', '2025-07-20'])).code).toBe(0)
    expect((await headlines()).map((doc) => doc._id)).toEqual([oldId])
  })

  it('leaves editors’ changes alone by default and restores the text with --replace', async () => {
    await importInto('edit', ['--as-of', '2025-07-20'])
    const client = fixture.lake.client({dataset: 'edit'})
    const original = (await allDocuments('edit')).find((doc) => doc._type === 'article')!
    await client
      .patch(original._id)
      .set({title: 'সম্পাদিত শিরোনাম', 'body[0].children[0].text': 'সম্পাদিত অনুচ্ছেদ'})
      .commit()

    await importInto('edit', ['--as-of', '2025-07-20'])
    const kept = await client.getDocument(original._id)
    expect(kept?.title).toBe('সম্পাদিত শিরোনাম')

    const {code, stderr} = await importInto('edit', ['--as-of', '2025-07-20', '--replace'])
    expect(code).toBe(0)
    expect(stderr).toMatch(/Imported 14 documents/)
    const restored = await client.getDocument(original._id)
    expect(restored?.title).toBe(original.title)
    expect(restored?.body).toEqual(original.body)
    expect(restored?._createdAt).toBe(original._createdAt)
  })

  it('writes all documents of a file or none: a file that fails midway leaves nothing behind', async () => {
    const parsed = parseArticle(await readFile(SEED_FILE, 'utf8'), {
      file: 'seed',
      asOf: '2025-07-20',
    })
    const {documents} = toDocuments(parsed)
    // The last mutation of the transaction (the article) is rejected by the lake.
    const broken = [...documents.slice(0, -1), {...documents.at(-1)!, _type: ''}]
    const client = fixture.lake.client({dataset: 'atomic'})
    await expect(commitFiles(client, [{documents: broken}], {replace: false})).rejects.toThrow(
      /missing `_type`/,
    )
    expect(await allDocuments('atomic')).toEqual([])
    await commitFiles(client, [{documents}], {replace: false})
    expect(await allDocuments('atomic')).toHaveLength(14)
  })

  it('rejects the whole file when the token may write only part of it', async () => {
    // A contributor may write drafts but not published documents: the undated article is a draft,
    // its headlines and source are not, so its file must leave no draft behind.
    const {token} = await fixture.lake.server.lake.auth!.store.createToken({
      label: 'contributor',
      role: 'contributor',
    })
    await writeFile(
      join(fixture.work, 'undated.txt'),
      'শিরোনাম\n\nকোনো তারিখ নেই।\nসূত্র: বাসস।\n\nঅন্য খবর\n',
    )
    const io = captureIo({
      env: {
        SANITY_STUDIO_API_HOST: fixture.lake.url,
        SANITY_API_TOKEN: token,
        LAKE_DATA: fixture.lake.dataDir,
      },
    })
    const code = await runImport(
      [join(fixture.work, 'undated.txt'), '--dataset', 'partial', '--create-dataset'],
      io,
    )
    expect(code).toBe(1)
    expect(io.err()).toMatch(/undated\.txt: could not write/)
    expect(io.err()).toMatch(
      /does not let the token in SANITY_API_TOKEN write these documents \(HTTP 403\)/,
    )
    expect(await allDocuments('partial')).toEqual([])
    // The draft alone would have been allowed.
    const alone = fixture.lake.client({dataset: 'partial', token})
    await alone.createIfNotExists({_id: 'drafts.x', _type: 'article', title: 'x'})
  })

  it('imports the other files and reports bad input with file and line (exit 2)', async () => {
    const folder = join(fixture.work, 'mixed')
    await mkdir(folder, {recursive: true})
    await writeFile(join(folder, 'a-seed.txt'), await readFile(SEED_FILE))
    await writeFile(join(folder, 'b-empty.txt'), '')
    await writeFile(join(folder, 'c-title.txt'), 'শুধু শিরোনাম\n')
    await writeFile(join(folder, 'd-latin1.txt'), Buffer.from([0x41, 0x0a, 0x0a, 0xe9, 0x0a]))
    const {code, stderr} = await importInto('mixed', [folder, '--as-of', '2025-07-20'])
    expect(code).toBe(2)
    expect(stderr).toContain('b-empty.txt:1: error: the file is empty')
    expect(stderr).toContain('c-title.txt:1: error: the file has only a title')
    expect(stderr).toContain('d-latin1.txt:3: error: the file is not valid UTF-8')
    expect(stderr).toMatch(/Imported 14 documents/)
    expect(await allDocuments('mixed')).toHaveLength(14)
  })

  it('writes nothing with --strict when any file is bad input', async () => {
    const folder = join(fixture.work, 'mixed')
    const {code, stderr} = await importInto('strict', [folder, '--strict'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/Nothing written: 3 files with bad input \(--strict\)/)
    expect(await allDocuments('strict')).toEqual([])
  })

  it('imports an undated article as a draft, lists it, and dates it with --date', async () => {
    const file = join(fixture.work, 'undated-ok.txt')
    await writeFile(file, 'তারিখহীন খবর\n\nকোনো তারিখ নেই।\nসূত্র: বাসস।\n\nতারিখহীন খবর\n')
    const first = await importInto('drafts', [file])
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(
      /1 article without a date or with a field the Studio would refuse, as a draft/,
    )
    expect(first.stderr).toContain('undated-ok.txt: তারিখহীন খবর')
    const ids = (await allDocuments('drafts')).map((doc) => doc._id)
    expect(ids.filter((id) => id.startsWith('drafts.'))).toHaveLength(1)

    await importInto('drafts', [file, '--date', '2025-03-01'])
    const dated = await fixture.lake
      .client({dataset: 'drafts'})
      .fetch<{publishedAt: string}[]>(
        '*[_type == "article" && !(_id in path("drafts.**"))]{publishedAt}',
        {},
        {perspective: 'raw'},
      )
    expect(dated).toEqual([{publishedAt: '2025-02-28T18:00:00.000Z'}])
  })

  // Writing and reading 36 MB: 5.5 s alone at load 16, past the 30 s default beside other test
  // files at load 17. A hang guard, not a bound.
  it(
    'refuses a file too large for one transaction before sending it: bad input, exit 2',
    {timeout: 120_000},
    async () => {
      const huge = join(fixture.work, 'huge.txt')
      const small = join(fixture.work, 'small-beside-huge.txt')
      // One paragraph of 36 MB: its article is past the lake's largest document.
      const paragraph = 'আজ ২৬ মার্চ সকালে ' + 'ক'.repeat(12 * 1024 * 1024)
      await writeFile(huge, `বড় খবর\n\n${paragraph}\nসূত্র: বাসস।\n`)
      await writeFile(small, 'ছোট খবর\n\nআজ ২৬ মার্চ সকালে মেলা বসে।\nসূত্র: বাসস।\n')
      const {code, stderr} = await importInto('huge', [huge, small, '--as-of', '2025-03-26'])
      expect(code).toBe(2)
      expect(stderr).toMatch(
        /huge\.txt:1: error: the file is too large: .*bytes.*at most.*Split the story/u,
      )
      expect(stderr).not.toMatch(/several transactions/u)
      const titles = (await allDocuments('huge')).filter((doc) => doc._type === 'article')
      expect(titles.map((doc) => doc.title)).toEqual(['ছোট খবর'])
    },
  )

  it('prints NDJSON with --dry-run and writes nothing', async () => {
    const {code, stdout, stderr} = await importInto('dry', ['--dry-run', '--as-of', '2025-07-20'])
    expect(code).toBe(0)
    const docs = parseNdjson(stdout) as Doc[]
    expect(docs).toHaveLength(14)
    expect(stdout).toContain('চীনা প্রেসিডেন্টের')
    expect(stderr).toMatch(/Dry run: nothing written/)
    expect(await allDocuments('dry')).toEqual([])
  })

  it('fails with exit code 1 and names `npm run lake` when no lake is running', async () => {
    const io = captureIo({
      env: {SANITY_STUDIO_API_HOST: 'http://127.0.0.1:9', LAKE_DATA: fixture.lake.dataDir},
    })
    const code = await runImport(['--dataset', 'none'], io)
    expect(code).toBe(1)
    expect(io.err()).toMatch(
      /Could not reach the local lake at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
    )
    expect(io.err()).toContain('npm run lake')
  })

  it('refuses a dataset the lake has not (a misspelt --dataset), making it only with --create-dataset', async () => {
    const env = {SANITY_STUDIO_API_HOST: fixture.lake.url, LAKE_DATA: fixture.lake.dataDir}
    const listed = async () =>
      (await fixture.lake.client().datasets.list()).map((dataset) => dataset.name)
    const misspelt = captureIo({env})
    expect(await runImport([SEED_FILE, '--dataset', 'prodution'], misspelt)).toBe(1)
    expect(misspelt.err()).toMatch(
      /No dataset "prodution" on the local lake at .* \(it has: [^)]*\bproduction\b.*--create-dataset/s,
    )
    expect(misspelt.err()).not.toContain('Done!')
    expect(await listed()).not.toContain('prodution')

    const deliberate = captureIo({env})
    expect(
      await runImport([SEED_FILE, '--dataset', 'archive', '--create-dataset'], deliberate),
    ).toBe(0)
    expect(deliberate.err()).toMatch(/Done! Imported 14 documents to dataset "archive"/)
    expect(await listed()).toContain('archive')
  })

  it('reports progress for long runs: files done, documents written, rate', async () => {
    const folder = join(fixture.work, 'many')
    await mkdir(folder, {recursive: true})
    const seed = await readFile(SEED_FILE, 'utf8')
    for (let n = 1; n <= 3; n++) {
      await writeFile(join(folder, `story-${n}.txt`), seed.replace('\n', ` ${n}\n`))
    }
    // A clock that advances 0.6 s per reading: progress appears once a second has passed.
    let tick = 0
    const io = captureIo({
      env: {SANITY_STUDIO_API_HOST: fixture.lake.url, LAKE_DATA: fixture.lake.dataDir},
    })
    io.now = () => new Date(Date.UTC(2026, 0, 1) + 600 * tick++)
    // A file a transaction: progress is reported after each write.
    const args = [
      folder,
      '--dataset',
      'progress',
      '--create-dataset',
      '--as-of',
      '2025-07-20',
      '--per-transaction',
      '1',
    ]
    expect(await runImport(args, io)).toBe(0)
    expect(io.err()).toMatch(
      /^\[\d\/3 files\] \d+ documents written, \d+ unchanged, \d+ documents\/s$/m,
    )
    expect(io.err()).toMatch(
      /Done! Imported 16 documents .* \(created from 3 files; 26 already there/,
    )
  })

  it('needs a write token for a hosted project', async () => {
    const io = captureIo({env: {SANITY_STUDIO_PROJECT_ID: 'abc123'}})
    expect(await runImport(['--as-of', '2025-07-20'], io)).toBe(1)
    expect(io.err()).toMatch(/No write token for project abc123: set SANITY_API_TOKEN/)
  })

  // npm run starts every script in the project's folder: on main `npm run import -- seed/` typed
  // in data/ was "seed/: no such file or folder", and --ndjson wrote into the project's folder.
  // Two npm processes that each start Node and the import: 10 s at load 10, past the 30 s default
  // at load 18. A hang guard, not a bound.
  it(
    'reads and writes the paths it is given from the folder npm run was typed in',
    {timeout: 120_000},
    async () => {
      const npm = (cwd: string, args: string[]) =>
        promisify(execFile)('npm', args, {cwd, env: process.env, encoding: 'utf8'})
      const fromData = await npm(join(REPO_ROOT, 'data'), [
        'run',
        '-s',
        'import',
        '--',
        '--dry-run',
        '--as-of',
        '2025-07-20',
        'seed/',
      ])
      expect(parseNdjson(fromData.stdout)).toHaveLength(14)

      const folder = join(fixture.work, 'typed-here')
      await mkdir(folder, {recursive: true})
      await writeFile(join(folder, 'story.txt'), await readFile(SEED_FILE, 'utf8'))
      await npm(folder, [
        '--prefix',
        REPO_ROOT,
        'run',
        '-s',
        'import',
        '--',
        '--as-of',
        '2025-07-20',
        'story.txt',
        '--ndjson',
        'out.ndjson',
      ])
      expect(parseNdjson(await readFile(join(folder, 'out.ndjson'), 'utf8'))).toHaveLength(14)
    },
  )

  it('rejects bad flags with exit code 2', async () => {
    for (const args of [
      ['--as-of', '15-07-2025'],
      ['--dry-run', '--ndjson', 'x'],
      ['--bogus'],
      [join(REPO_ROOT, 'missing')],
    ]) {
      const io = captureIo({env: {}})
      expect(await runImport(args, io)).toBe(2)
      expect(io.err()).toMatch(/--help/)
    }
  })
})

// The dateline, byline and source forms Bangladeshi desks write, through the import CLI into the
// lake over HTTP, read back with GROQ (as of Sunday 6 December 2026).
describe('desk forms into the lake', () => {
  const STORIES: Record<string, string> = {
    'bracketed.txt':
      'প্রধান উপদেষ্টার সঙ্গে বৈঠক\n\nঢাকা, (৪ ডিসেম্বর ২০২৬ খ্রিস্টাব্দ) — প্রধান উপদেষ্টা বলেন, নির্বাচন সময়মতো হবে।\nসূত্র: বাসস।\n',
    'pair.txt':
      'হেমন্তের উৎসব শুরু\n\nঢাকা, ৫ ডিসেম্বর ২০২৬ / ২০ অগ্রহায়ণ ১৪৩৩ — রাজধানীতে নবান্ন উৎসব শুরু হয়েছে।\nসূত্র: বাসস।\n',
    'pair-disagree.txt':
      'নবান্ন উৎসবের সমাপনী\n\nঢাকা, ৫ ডিসেম্বর ২০২৬ / ২১ অগ্রহায়ণ ১৪৩৩ — নবান্ন উৎসব শেষ হয়েছে।\nসূত্র: বাসস।\n',
    'teknaf.txt':
      'টেকনাফে নৌকাডুবি, নিখোঁজ ১২\n\nমো. আবদুল করিম\nটেকনাফ (কক্সবাজার), ৫ ডিসেম্বর : নাফ নদীতে নৌকাডুবিতে ১২ জন নিখোঁজ হয়েছেন।\nসূত্র: প্রথম আলো।\n',
    'inline.txt':
      'মিরপুরে কারখানায় আগুন\n\nরাজধানীর মিরপুরে শনিবার সকালে (৫ ডিসেম্বর) একটি পোশাক কারখানায় আগুন লাগে।\nসূত্র: সমকাল।\n',
    'source.txt':
      'শ্রমিকদের বিক্ষোভ\n\nআজ ৬ ডিসেম্বর সকালে শ্রমিকেরা বিক্ষোভ করেন।\nদ্বিতীয় অনুচ্ছেদ।\nসূত্র: আবদুল করিম, চ্যানেল ২4।\n',
  }

  /**
   * Imports `stories` (file name → text) as of 6 December 2026 into the dataset `name`, which must
   * succeed; its articles, drafts too, are read back through `projection` and found by title.
   */
  async function importDeskForms<Article extends {title: string}>(
    name: string,
    stories: Record<string, string>,
    projection = '',
  ) {
    const folder = await fixture.storiesFolder(name, stories)
    const {code, stderr} = await importInto(name, [folder, '--as-of', '2026-12-06'])
    expect(code, stderr).toBe(0)
    const articles = await fixture.lake
      .client({dataset: name})
      .fetch<Article[]>(`*[_type == "article"]${projection}`, {}, {perspective: 'raw'})
    const byTitle = (title: string) => articles.find((doc) => doc.title === title.normalize('NFC'))!
    return {stderr, byTitle}
  }

  it('dates each story, credits the name line and drafts what the Studio would refuse', async () => {
    const {stderr, byTitle} = await importDeskForms<{
      _id: string
      title: string
      publishedAt?: string
      dateline?: {text: string; place?: string}
      credits?: string[]
      body: {children: {text: string}[]}[]
      source: {_ref: string; _weak?: boolean}
    }>('desk-forms', STORIES)

    expect(byTitle('প্রধান উপদেষ্টার সঙ্গে বৈঠক').publishedAt).toBe('2026-12-03T18:00:00.000Z')
    expect(byTitle('হেমন্তের উৎসব শুরু').publishedAt).toBe('2026-12-04T18:00:00.000Z')
    const disagree = byTitle('নবান্ন উৎসবের সমাপনী')
    expect(disagree._id).toMatch(/^drafts\./u)
    expect(stderr).toMatch(/pair-disagree\.txt:3: warning: .*2026-12-05.*2026-12-06/u)

    const teknaf = byTitle('টেকনাফে নৌকাডুবি, নিখোঁজ ১২')
    expect(teknaf.publishedAt).toBe('2026-12-04T18:00:00.000Z')
    expect(teknaf.dateline).toMatchObject({place: 'টেকনাফ (কক্সবাজার)'.normalize('NFC')})
    expect(teknaf.credits).toEqual(['মো. আবদুল করিম'.normalize('NFC')])
    expect(teknaf.body).toHaveLength(1)

    const inline = byTitle('মিরপুরে কারখানায় আগুন')
    expect(inline.publishedAt).toBe('2026-12-04T18:00:00.000Z')
    expect(inline.dateline?.text).toBe('শনিবার সকালে (৫ ডিসেম্বর)'.normalize('NFC'))

    // The source the Studio would refuse is a draft; the article is published and points at it weakly.
    const sourced = byTitle('শ্রমিকদের বিক্ষোভ')
    expect(sourced._id).not.toMatch(/^drafts\./u)
    expect(sourced.source).toMatchObject({_weak: true})
    const source = await fixture.lake
      .client({dataset: 'desk-forms'})
      .fetch<{_id: string; name: string}[]>(
        '*[_type == "source" && name == $name]{_id, name}',
        {
          name: 'চ্যানেল ২4',
        },
        {perspective: 'raw'},
      )
    expect(source).toEqual([{_id: `drafts.${sourced.source._ref}`, name: 'চ্যানেল ২4'}])
    expect(stderr).toMatch(/source\.txt:5: warning: the source name 'চ্যানেল ২4' mixes/u)
  })

  it('reads numeric dates day/month/year and drafts an impossible one, naming its line', async () => {
    const {stderr, byTitle} = await importDeskForms<{
      _id: string
      title: string
      publishedAt?: string
      dateline?: {text: string; place?: string}
    }>(
      'numeric-dates',
      {
        'numeric.txt':
          'নদীভাঙনে ঘর হারাল ৫০ পরিবার\n\nকুড়িগ্রাম, ০৫/১২/২০২৬ (বাসস) : ব্রহ্মপুত্রের ভাঙনে ৫০টি পরিবার ঘর হারিয়েছে।\nসূত্র: বাসস।\n',
        'month-first.txt':
          'শীতে কাঁপছে উত্তরাঞ্চল\n\nরংপুর, ১২/৩১/২০২৬ : উত্তরাঞ্চলে শৈত্যপ্রবাহ চলছে।\nসূত্র: বাসস।\n',
      },
      '{_id, title, publishedAt, dateline}',
    )
    const numeric = byTitle('নদীভাঙনে ঘর হারাল ৫০ পরিবার')
    expect(numeric._id).not.toMatch(/^drafts\./u)
    expect(numeric.publishedAt).toBe('2026-12-04T18:00:00.000Z')
    expect(numeric.dateline).toMatchObject({
      text: 'কুড়িগ্রাম, ০৫/১২/২০২৬ (বাসস) :'.normalize('NFC'),
      place: 'কুড়িগ্রাম'.normalize('NFC'),
    })
    // Never 31 December: the month/day/year reading is named, not taken.
    const monthFirst = byTitle('শীতে কাঁপছে উত্তরাঞ্চল')
    expect(monthFirst._id).toMatch(/^drafts\./u)
    expect(monthFirst.publishedAt).toBeNull()
    expect(stderr).toMatch(/month-first\.txt:3: warning: .*no month 31.*2026-12-31/u)
  })

  it('splits a byline of names and role into credits and byline', async () => {
    const {byTitle} = await importDeskForms<{
      title: string
      byline: string | null
      credits: string[] | null
      place: string | null
      source: string | null
      paragraphs: number
    }>(
      'names-and-role',
      {
        'bylined.txt':
          'বাজারে চালের দাম বাড়ছে\n\nআবদুল করিম ও রহিম উদ্দিন, নিজস্ব প্রতিবেদক\nশনিবার (৫ ডিসেম্বর) সকালে কারওয়ান বাজারে চালের দাম কেজিতে ৫ টাকা বেড়েছে।\nসূত্র: সমকাল।\n',
        'from.txt':
          'নাফ নদীতে নৌকাডুবি\n\nশনিবার (৫ ডিসেম্বর) রাতে নাফ নদীতে নৌকাডুবিতে ৮ জন নিখোঁজ হয়েছেন।\nসূত্র: গিয়াস উদ্দিন, টেকনাফ (কক্সবাজার) থেকে।\n',
      },
      '{title, byline, credits, "place": dateline.place, "source": source->name, "paragraphs": count(body)}',
    )
    expect(byTitle('বাজারে চালের দাম বাড়ছে')).toMatchObject({
      byline: 'নিজস্ব প্রতিবেদক'.normalize('NFC'),
      credits: ['আবদুল করিম', 'রহিম উদ্দিন'].map((name) => name.normalize('NFC')),
      source: 'সমকাল'.normalize('NFC'),
      paragraphs: 1,
    })
    // Where the reporter wrote from is the place, not an organisation.
    expect(byTitle('নাফ নদীতে নৌকাডুবি')).toMatchObject({
      credits: ['গিয়াস উদ্দিন'.normalize('NFC')],
      place: 'টেকনাফ (কক্সবাজার)'.normalize('NFC'),
      source: null,
    })
  })

  it('dates a story whose dateline has a clock time or an ordinal word', async () => {
    const {stderr, byTitle} = await importDeskForms<{
      title: string
      publishedAt: string | null
      text: string
    }>(
      'clock-times',
      {
        'clock.txt':
          'মিরপুরে বস্তিতে আগুন\n\nরাজধানীর মিরপুরে শনিবার রাত ১০টার দিকে (৫ ডিসেম্বর) একটি বস্তিতে আগুন লাগে।\nসূত্র: সমকাল।\n',
        'pohela.txt':
          'রমনার বটমূলে বর্ষবরণ\n\nমঙ্গলবার (পহেলা বৈশাখ) সকালে রমনার বটমূলে বর্ষবরণ অনুষ্ঠান হয়।\nসূত্র: বাসস।\n',
      },
      '{title, publishedAt, "text": dateline.text}',
    )
    expect(byTitle('মিরপুরে বস্তিতে আগুন')).toMatchObject({
      publishedAt: '2026-12-04T18:00:00.000Z',
      text: 'শনিবার রাত ১০টার দিকে (৫ ডিসেম্বর)'.normalize('NFC'),
    })
    // 14 April 2026 is more than 60 days back: read, then a draft with a warning naming the date.
    expect(stderr).toMatch(/pohela\.txt:3: warning: .*gives 2026-04-14/u)
  })
})

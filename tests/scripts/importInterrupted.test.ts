/**
 * An import killed mid-run (SIGKILL, as a closed terminal or an out-of-memory kill), then run
 * again, against a real lake: each file was written whole or not at all, and the second run
 * imports the rest without making anything twice. The import runs as its own process through a
 * proxy that kills it at a chosen write: before the write reaches the lake, or after the lake did
 * it and before its answer arrives.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startFaultProxy, type FaultProxy} from '../helpers/faultProxy.ts'
import {importIntoLake} from '../helpers/importer.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const FILES = 200
/** Files a transaction: batches that end nowhere near a round number of files. */
const PER_TRANSACTION = 3
/** The write (1-based) at which the import is killed. */
const KILL_AT = 27

let lake: TestLake
let proxy: FaultProxy
let work: string
let folder: string

/** The running import, and when to kill it: the write and the moment. */
let child: ChildProcess | undefined
let killAt: {write: number; when: 'before' | 'after'} | undefined
let writesSeen = 0

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  work = await mkdtemp(join(tmpdir(), 'import-interrupted-'))
  folder = join(work, 'stories')
  await mkdir(folder)
  for (let index = 0; index < FILES; index++) {
    await writeFile(
      join(folder, `${String(index).padStart(4, '0')}.txt`),
      `খবর ${index}\n\nঢাকা, ১২ জুলাই (বাসস) : ঘটনা ${index}।\nসূত্র: বাসস।\n\n` +
        `প্রথম শিরোনাম ${index}\n\nদ্বিতীয় শিরোনাম ${index}\n\nসবার শিরোনাম\n`,
    )
  }
  proxy = await startFaultProxy(lake.url, (incoming) => {
    const isWrite = incoming.url!.includes('/data/mutate/')
    const kill = isWrite && ++writesSeen === killAt?.write ? killAt.when : undefined
    if (kill === 'before') {
      // The write never reaches the lake.
      incoming.resume()
      child!.kill('SIGKILL')
      return 'handled'
    }
    if (kill !== 'after') return undefined
    return {
      onAnswer(answer) {
        // The lake did the write; the import dies before its answer.
        answer.resume()
        answer.on('end', () => child!.kill('SIGKILL'))
        return 'handled'
      },
    }
  })
})

afterAll(async () => {
  child?.kill('SIGKILL')
  await proxy?.close()
  await lake?.close()
  await rm(work, {recursive: true, force: true})
})

/** `npm run import` as its own process through the proxy, killed at `at`; its exit signal. */
async function importKilled(dataset: string, at: NonNullable<typeof killAt>) {
  writesSeen = 0
  killAt = at
  child = spawn(
    process.execPath,
    [
      'scripts/import.ts',
      folder,
      '--as-of',
      '2025-07-20',
      '--dataset',
      dataset,
      '--create-dataset',
      '--per-transaction',
      String(PER_TRANSACTION),
    ],
    {
      cwd: ROOT,
      env: {...process.env, SANITY_STUDIO_API_HOST: proxy.url, LAKE_DATA: lake.dataDir},
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
    child!.once('exit', (exitCode, exitSignal) => done([exitCode, exitSignal])),
  )
  killAt = undefined
  return {code, signal, stderr}
}

type State = {
  articles: {title: string; related: string[]}[]
  headlines: string[]
  sources: number
  ids: string[]
}

async function state(dataset: string): Promise<State> {
  return lake.client({dataset}).fetch(
    `{
      "articles": *[_type == "article"]{title, "related": relatedHeadlines[]._ref},
      "headlines": *[_type == "headline"].text,
      "sources": count(*[_type == "source"]),
      "ids": *[]._id
    }`,
    {},
    {perspective: 'raw'},
  )
}

/** Every article has all its headlines: no file was written in part. */
function expectWholeFiles({articles, ids}: State): void {
  const present = new Set(ids)
  for (const article of articles) {
    expect(article.related).toHaveLength(3)
    for (const ref of article.related) expect(present.has(ref)).toBe(true)
  }
}

describe('an import killed mid-run, then run again', () => {
  for (const when of ['before', 'after'] as const) {
    it(`leaves whole files, and the rest is imported once (killed ${when} the lake's write)`, async () => {
      const dataset = `killed-${when}`
      const killed = await importKilled(dataset, {write: KILL_AT, when})
      expect(killed.signal, killed.stderr).toBe('SIGKILL')

      const after = await state(dataset)
      // The files of the writes before the killed one, and its files when the lake did it.
      expect(after.articles).toHaveLength(
        PER_TRANSACTION * (when === 'after' ? KILL_AT : KILL_AT - 1),
      )
      expectWholeFiles(after)

      const again = await importIntoLake(lake, dataset, [folder, '--as-of', '2025-07-20'])
      expect(again.code).toBe(0)
      const final = await state(dataset)
      expect(final.articles).toHaveLength(FILES)
      expect(new Set(final.articles.map(({title}) => title)).size).toBe(FILES)
      // Two headlines a file and the one every file lists; one source.
      expect(final.headlines).toHaveLength(2 * FILES + 1)
      expect(new Set(final.headlines).size).toBe(2 * FILES + 1)
      expect(final.sources).toBe(1)
      expect(final.ids.filter((id) => id.startsWith('drafts.'))).toEqual([])
      expectWholeFiles(final)
    }, 240_000)
  }
})

/**
 * The import against a real lake over HTTP: an article whose slug another article holds (in the
 * dataset, or earlier in the same run) is a draft with a warning naming both, as the Studio
 * refuses a taken slug.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {SEED_FILE} from '../helpers/io.ts'
import {useImportLake} from '../helpers/importer.ts'

const fixture = useImportLake('import-slugs-')

const importInto = (dataset: string, args: string[]) =>
  fixture.importInto(dataset, [...args, '--as-of', '2025-07-20'])

async function publishedSlugs(dataset: string): Promise<string[]> {
  return fixture.lake
    .client({dataset})
    .fetch<string[]>(
      '*[_type == "article" && !(_id in path("drafts.**"))].slug.current',
      {},
      {perspective: 'raw'},
    )
}

/** The seed with one word of its first paragraph changed: another article id, the same slug. */
async function reworded(name: string): Promise<string> {
  const lines = (await readFile(SEED_FILE, 'utf8')).split('\n')
  expect(lines[2]).toContain('সকালে')
  lines[2] = lines[2]!.replace('সকালে', 'সকালবেলা')
  const file = join(fixture.work, name)
  await writeFile(file, lines.join('\n'))
  return file
}

describe('slugs the import would publish twice', () => {
  it('drafts an article whose slug the dataset already holds, naming the other', async () => {
    await importInto('held', [SEED_FILE])
    const file = await reworded('reworded.txt')
    const {code, stderr} = await importInto('held', [file])
    expect(code).toBe(0)
    const slugs = await publishedSlugs('held')
    expect(slugs).toHaveLength(1)
    const holder = await fixture.lake
      .client({dataset: 'held'})
      .fetch<string>('*[_type == "article"][0]._id', {}, {perspective: 'raw'})
    expect(stderr).toMatch(
      new RegExp(`reworded\\.txt:\\d+: warning: the slug '${slugs[0]}' is taken by ${holder}`),
    )
  })

  it('drafts the later of two files in one run with the same slug, naming the earlier', async () => {
    const file = await reworded('second.txt')
    const {code, stderr} = await importInto('run', [SEED_FILE, file])
    expect(code).toBe(0)
    expect(await publishedSlugs('run')).toHaveLength(1)
    const warnings = [
      ...stderr.matchAll(/(\S+):\d+: warning: the slug '[^']+' is taken by article-\w+ \((\S+)\)/g),
    ]
    expect(warnings).toHaveLength(1)
    const named = [warnings[0]![1], warnings[0]![2]].map((path) => path!.split('/').at(-1)).sort()
    expect(named).toEqual(['000_6a6c5dd935f09d3d.txt', 'second.txt'])
  })
})

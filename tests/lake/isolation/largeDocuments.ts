/**
 * What the isolation tests of ~20 MB documents share (largeWrite, largeDocument): the article,
 * a folder for listeners' streams, and listeners in processes of their own.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll} from 'vitest'
import {API, type ChildLake} from './childLake.ts'

/** About 20 MB of JSON: 200,000 keyed items. */
export const ITEMS = 200_000

/** A draft of about 20 MB whose title and items say which round wrote it. */
export const largeArticle = (round: number) => ({
  _id: 'drafts.archive',
  _type: 'article',
  title: `সংকলন ${round}`,
  items: Array.from({length: ITEMS}, (_, i) => ({
    _key: `k${i}`,
    _type: 'item',
    t: `${round}-${i}-শিরোনাম-`.padEnd(50, 'x'),
  })),
})

/** A temporary folder for the test file's listener streams: `file(name)` is a path in it. */
export function useStreamFolder(name: string): {file(name: string): string} {
  let folder = ''
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), `lake-${name}-listeners-`))
  })
  afterAll(async () => {
    if (folder) await rm(folder, {recursive: true, force: true})
  })
  return {file: (file) => join(folder, file)}
}

/**
 * A listener in a process of its own (reading a 20 MB event must not delay the test process's
 * pings), its stream written to a file as it arrives.
 */
export function openListener(lake: ChildLake, query: string, file: string): ChildProcess {
  const url = `${lake.url}/${API}/data/listen/test?query=${encodeURIComponent(query)}&includeResult=true`
  const read = `const {createWriteStream} = require('node:fs'); const {Readable} = require('node:stream')
fetch(${JSON.stringify(url)}, {headers: {authorization: ${JSON.stringify(`Bearer ${lake.token}`)}}})
  .then((res) => Readable.fromWeb(res.body).pipe(createWriteStream(${JSON.stringify(file)})))`
  return spawn(process.execPath, ['-e', read], {stdio: 'ignore'})
}

/**
 * A GET in a process of its own, its body written to `file` as it arrives (receiving a large
 * answer must not delay the test process's pings): its status, once the body is all written.
 */
export function downloadInChild(
  url: string,
  headers: Record<string, string>,
  file: string,
): Promise<number> {
  const read = `const {createWriteStream} = require('node:fs'); const {Readable} = require('node:stream')
const {pipeline} = require('node:stream/promises')
fetch(${JSON.stringify(url)}, {headers: ${JSON.stringify(headers)}})
  .then(async (res) => { await pipeline(Readable.fromWeb(res.body), createWriteStream(${JSON.stringify(file)})); process.stdout.write(String(res.status)) })`
  const child = spawn(process.execPath, ['-e', read], {stdio: ['ignore', 'pipe', 'inherit']})
  let out = ''
  child.stdout!.on('data', (chunk) => (out += chunk))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 && out ? resolve(Number(out)) : reject(new Error(`download exited ${code}`)),
    )
  })
}

/** A file's size, 0 before it exists. */
export const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  )

/**
 * The import against a real lake through a proxy that refuses a request once, as a busy lake or
 * hosted Sanity may (429, 503, a connection reset): the import's reads are retried with backoff,
 * as @sanity/client retries its own, and its history reads are as few as a GET allows; a write is
 * sent again after a refusal or a reset under its transaction id, which the lake refuses (409) once
 * it has done the write, so nothing is done twice.
 */
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {run as runImport} from '../../scripts/import.ts'
import {startFaultProxy, type FaultProxy} from '../helpers/faultProxy.ts'
import {captureIo} from '../helpers/io.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'

let lake: TestLake
let proxy: FaultProxy
let work: string

/** What the proxy does to the next history request: answer with a status, or reset. */
let refuseNext: number | 'reset' | null = null
/** The status the proxy answers the next write (mutate) request with, unsent to the lake. */
let refuseWrite: number | null = null
/** Statuses the proxy answers the write of each ordinal (1 the first) with, unsent to the lake. */
let refuseWriteAt: Record<number, number> = {}
/** Seconds of `Retry-After` the proxy sends with `refuseWrite`'s answer, if any. */
let refuseWriteAfter: number | null = null
/**
 * Resets the next write's connection: 'before' it reaches the lake, or 'after' the lake answered
 * it (the write done, its answer lost).
 */
let resetWrite: 'before' | 'after' | null = null
/** Each write request the proxy saw: when it came, and the status the lake (or the proxy) gave. */
let writes: {at: number; status: number | 'reset'}[] = []
/** The history requests that reached the lake, as paths. */
let historyPaths: string[] = []

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  work = await mkdtemp(join(tmpdir(), 'import-retry-'))
  proxy = await startFaultProxy(lake.url, (incoming, outgoing) => {
    const isWrite = incoming.url!.includes('/data/mutate/')
    const write = isWrite ? {at: Date.now(), status: 0 as number | 'reset'} : undefined
    if (write) writes.push(write)
    const refuseAt = isWrite ? refuseWriteAt[writes.length] : undefined
    if (isWrite && (refuseWrite !== null || refuseAt !== undefined)) {
      const status = refuseAt ?? refuseWrite!
      if (refuseAt === undefined) refuseWrite = null
      write!.status = status
      outgoing.writeHead(status, {
        'content-type': 'application/json',
        ...(refuseWriteAfter !== null ? {'retry-after': String(refuseWriteAfter)} : {}),
      })
      incoming.resume()
      outgoing.end(JSON.stringify({error: {description: 'busy, try again'}}))
      return 'handled'
    }
    const reset = isWrite ? resetWrite : null
    if (reset) resetWrite = null
    if (reset === 'before') {
      write!.status = 'reset'
      incoming.socket.destroy()
      return 'handled'
    }
    if (incoming.url!.includes('/data/history/')) {
      const refusal = refuseNext
      refuseNext = null
      if (refusal === 'reset') {
        incoming.socket.destroy()
        return 'handled'
      }
      if (refusal !== null) {
        outgoing.writeHead(refusal, {'content-type': 'application/json'})
        outgoing.end(JSON.stringify({error: {description: 'busy, try again'}}))
        return 'handled'
      }
      historyPaths.push(incoming.url!)
    }
    return {
      onAnswer(answer) {
        if (write) write.status = answer.statusCode!
        if (reset !== 'after') return undefined
        // The lake has done the write; its answer never reaches the import.
        answer.resume()
        answer.on('end', () => incoming.socket.destroy())
        return 'handled'
      },
    }
  })
})

afterAll(async () => {
  await proxy?.close()
  await lake?.close()
  await rm(work, {recursive: true, force: true})
})

beforeEach(() => {
  refuseNext = null
  refuseWrite = null
  refuseWriteAfter = null
  refuseWriteAt = {}
  resetWrite = null
  writes = []
  historyPaths = []
})

async function importThroughProxy(dataset: string, args: string[]) {
  const io = captureIo({
    env: {SANITY_STUDIO_API_HOST: proxy.url, LAKE_DATA: lake.dataDir},
    now: new Date('2025-07-20T00:00:00Z'),
  })
  const code = await runImport([...args, '--dataset', dataset, '--create-dataset'], io)
  return {code, stderr: io.err(), stdout: io.out()}
}

/** A folder of three dated stories, 1.txt to 3.txt, credited to one source. */
async function storiesFolder(name: string) {
  const folder = join(work, name)
  await mkdir(folder, {recursive: true})
  for (const n of [1, 2, 3]) {
    await writeFile(
      join(folder, `${n}.txt`),
      `পৌরসভার নতুন সড়ক ${n}\n\nঢাকা, ১২ জুলাই (বাসস) : পৌরসভার ${n} নম্বর ওয়ার্ডে নতুন সড়ক খুলে দেওয়া হয়েছে।\nসূত্র: বাসস।\n`,
    )
  }
  return folder
}

describe('a refusal of the history read', () => {
  for (const refusal of [503, 429, 'reset'] as const) {
    it(`is retried: ${refusal}`, async () => {
      refuseNext = refusal
      const {code, stderr} = await importThroughProxy(`refused-${refusal}`, [
        '--as-of',
        '2025-07-20',
      ])
      expect(stderr).toMatch(/Imported 14 documents/)
      expect(code).toBe(0)
      expect(refuseNext).toBeNull()
      expect(historyPaths).toHaveLength(1)
    })
  }
})

describe('a refusal of a write the lake did not do (429, 503)', () => {
  for (const status of [503, 429]) {
    it(`is sent again: ${status}`, async () => {
      refuseWrite = status
      const {code, stderr} = await importThroughProxy(`write-${status}`, ['--as-of', '2025-07-20'])
      expect(stderr).toMatch(/Imported 14 documents/)
      expect(code).toBe(0)
      expect(refuseWrite).toBeNull()
    })
  }
})

describe('a write refused as busy with Retry-After', () => {
  it('is sent again no sooner than the lake asked', async () => {
    refuseWrite = 503
    refuseWriteAfter = 2
    const {code, stderr} = await importThroughProxy('write-after', ['--as-of', '2025-07-20'])
    expect(stderr).toMatch(/Imported 14 documents/)
    expect(code).toBe(0)
    expect(writes.map(({status}) => status)).toEqual([503, 200])
    // A lower bound only: a slow machine makes the gap longer, never shorter.
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(2000)
  })
})

describe('a connection reset during a write', () => {
  for (const when of ['before', 'after'] as const) {
    for (const replace of [false, true]) {
      it(`${when} the lake did it${replace ? ' (--replace)' : ''}: sent again once, not done twice`, async () => {
        const dataset = `reset-${when}${replace ? '-replace' : ''}`
        resetWrite = when
        const args = ['--as-of', '2025-07-20', ...(replace ? ['--replace'] : [])]
        const {code, stderr} = await importThroughProxy(dataset, args)
        expect(stderr).toMatch(/Imported 14 documents/)
        expect(code).toBe(0)
        // Done by the lake already: the same transaction id again is refused (409), not applied.
        expect(writes.map(({status}) => status)).toEqual(
          when === 'before' ? ['reset', 200] : [200, 409],
        )
        const client = lake.client({dataset})
        const revisions = await client.fetch<string[]>(
          'array::unique(*[!(_id in path("_.**"))]._rev)',
          {},
          {perspective: 'raw'},
        )
        expect(revisions).toHaveLength(1)
        expect(revisions[0]).toMatch(/^import-/)
      })
    }
  }
})

describe('a batch of files whose answer was lost', () => {
  it('is sent again under its transaction id: every file written once, in one transaction', async () => {
    const folder = join(work, 'batch')
    await mkdir(folder, {recursive: true})
    for (const n of [1, 2, 3]) {
      await writeFile(
        join(folder, `${n}.txt`),
        `পৌরসভার নতুন সড়ক ${n}\n\nঢাকা, ১২ জুলাই (বাসস) : পৌরসভার ${n} নম্বর ওয়ার্ডে নতুন সড়ক খুলে দেওয়া হয়েছে।\nসূত্র: বাসস।\n`,
      )
    }
    resetWrite = 'after'
    const {code, stderr} = await importThroughProxy('batch-reset', [
      folder,
      '--as-of',
      '2025-07-20',
    ])
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/Imported 4 documents/)
    // One write for the three files, done by the lake; sent again, refused as done (409).
    expect(writes.map(({status}) => status)).toEqual([200, 409])
    const documents = await lake
      .client({dataset: 'batch-reset'})
      .fetch<{_type: string; _rev: string}[]>(
        '*[!(_id in path("_.**"))]{_type, _rev}',
        {},
        {perspective: 'raw'},
      )
    expect(documents.map(({_type}) => _type).sort()).toEqual([
      'article',
      'article',
      'article',
      'source',
    ])
    expect(new Set(documents.map(({_rev}) => _rev)).size).toBe(1)
  })
})

describe('a batch refused 403 (a token that may not write one of its documents)', () => {
  it('is sent file by file: the refused file stops the run, named, counting only files written', async () => {
    const dataset = 'batch-403'
    const folder = await storiesFolder('batch-403')
    // 1.txt's article id held by a document of another type: --replace cannot write it.
    const dry = await importThroughProxy(dataset, [folder, '--as-of', '2025-07-20', '--dry-run'])
    const first = dry.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as {_id: string; title?: string})
      .find((document) => document.title === 'পৌরসভার নতুন সড়ক 1'.normalize('NFC'))!
    await lake.client({dataset}).create({_id: first._id, _type: 'note', title: 'অন্য কিছু'})
    writes = []
    // The batch, then 1.txt (the lake refuses it), 2.txt (written), 3.txt (refused 403).
    refuseWriteAt = {1: 403, 4: 403}
    const {code, stderr} = await importThroughProxy(dataset, [
      folder,
      '--as-of',
      '2025-07-20',
      '--replace',
    ])
    expect(code).toBe(1)
    expect(writes).toHaveLength(4)
    expect(stderr).toMatch(/1\.txt: could not write \(/)
    expect(stderr).toMatch(/3\.txt: could not write\./)
    expect(stderr).toMatch(/HTTP 403/)
    expect(stderr).toMatch(/Stopped after 1 file, each written in full/)
  })
})

describe('a run stopped by a refusal', () => {
  it('counts as written only the files the lake took, not those it refused', async () => {
    const dataset = 'stopped-count'
    const folder = await storiesFolder('stopped-count')
    const dry = await importThroughProxy(dataset, [folder, '--as-of', '2025-07-20', '--dry-run'])
    const first = dry.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as {_id: string; title?: string})
      .find((document) => document.title === 'পৌরসভার নতুন সড়ক 1'.normalize('NFC'))!
    await lake.client({dataset}).create({_id: first._id, _type: 'note', title: 'অন্য কিছু'})
    writes = []
    // 1.txt refused by the lake, 2.txt written, 3.txt refused 403.
    refuseWriteAt = {3: 403}
    const {code, stderr} = await importThroughProxy(dataset, [
      folder,
      '--as-of',
      '2025-07-20',
      '--replace',
      '--per-transaction',
      '1',
    ])
    expect(code).toBe(1)
    expect(writes).toHaveLength(3)
    expect(stderr).toMatch(/1\.txt: could not write \(/)
    expect(stderr).toMatch(/3\.txt: could not write\./)
    expect(stderr).toMatch(/Stopped after 1 file, each written in full/)
  })
})

describe('a batch whose answer was lost, then refused until the retries ran out', () => {
  it('is found done under its transaction id: not sent again file by file', async () => {
    const folder = await storiesFolder('lost-then-busy')
    resetWrite = 'after'
    refuseWriteAt = {2: 503, 3: 503, 4: 503, 5: 503, 6: 503}
    const {code, stderr} = await importThroughProxy('lost-then-busy', [
      folder,
      '--as-of',
      '2025-07-20',
      '--replace',
    ])
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/Imported 4 documents/)
    expect(writes.map(({status}) => status)).toEqual([200, 503, 503, 503, 503, 503])
    const revisions = await lake
      .client({dataset: 'lost-then-busy'})
      .fetch<string[]>('array::unique(*[!(_id in path("_.**"))]._rev)', {}, {perspective: 'raw'})
    expect(revisions).toHaveLength(1)
  })
})

describe('a first import of many files', () => {
  it('asks the history of its missing ids in as few GETs as the URL allows', async () => {
    const folder = join(work, 'many')
    await mkdir(folder)
    const files = 40
    for (let index = 0; index < files; index++) {
      await writeFile(
        join(folder, `${String(index).padStart(3, '0')}.txt`),
        `খবর ${index}\n\nঢাকা, ১২ জুলাই (বাসস) : ঘটনা ${index}।\nসূত্র: বাসস।\n\n` +
          `প্রথম শিরোনাম ${index}\n\nদ্বিতীয় শিরোনাম ${index}\n`,
      )
    }
    const {code, stderr} = await importThroughProxy('many', [folder, '--as-of', '2025-07-20'])
    expect(stderr).toMatch(/Imported 121 documents/)
    expect(code).toBe(0)
    // 121 ids (3 a file and the source), none in the dataset yet: each asked once.
    const asked = historyPaths.flatMap((path) =>
      decodeURIComponent(path.split('/documents/')[1]!.split('?')[0]!).split(','),
    )
    expect(asked.sort()).toEqual([...new Set(asked)].sort())
    expect(asked).toHaveLength(121)
    // A GET's URL (the client posts a query past 11,264 characters) holds them all.
    expect(historyPaths).toHaveLength(1)
    expect(historyPaths[0]!.length).toBeLessThan(11_264)
  })
})

/**
 * The sweep of a dataset's asset files (lake/assets/assetSweep.ts: at start, after a missed
 * commit) over 10,000 files, half of them named by no document: the orphans go, every named file
 * stays byte for byte, uploads made while it runs keep theirs, and the lake's event loop answers
 * pings meanwhile (its CPU while one ping waited, from /proc, against its CPU for the sweep).
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {lakeClient} from '../../helpers/lake.ts'
import {cpuTimes, pingsWhile, type ChildLake} from './childLake.ts'

const LAKE = fileURLToPath(new URL('./sweepingLake.ts', import.meta.url))
const NAMED = 5_000
const ORPHANS = 5_000
let child: LakeProcess | undefined
let dataDir = ''

afterAll(async () => {
  await child?.stop()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

const sha1 = (text: string | Uint8Array) => createHash('sha1').update(text).digest('hex')

test(
  '10,000 asset files swept a batch at a time: orphans gone, named files and new uploads kept, pings answered',
  {timeout: 300_000},
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lake-asset-sweep-'))
    let onSwept: (n: number) => void = () => undefined
    child = await startLakeProcess({
      dataDir,
      tls: false,
      script: LAKE,
      env: {...process.env, LAKE_ADMIN_PASSWORD: 'asset-sweep-password'},
      onLine: (line, stream) => {
        const m = /^swept (\d+)/.exec(line)
        if (m) onSwept(Number(m[1]))
        else if (stream === 'stderr') process.stderr.write(`[lake] ${line}\n`)
      },
    })
    const {url, token} = child
    const client = lakeClient(child)
    const lake: ChildLake = {url, token, pid: child.child.pid!, headers: () => ({})}

    // 5,000 asset documents and their files; 5,000 files no document names.
    const folder = join(dataDir, 'assets', 'local', 'test', 'files')
    await mkdir(folder, {recursive: true})
    const named = Array.from({length: NAMED}, (_, i) => `সংরক্ষিত ${i}`)
    const orphans = Array.from({length: ORPHANS}, (_, i) => `অনাথ ${i}`)
    for (let i = 0; i < NAMED; i += 1_000) {
      const tx = client.transaction()
      for (const text of named.slice(i, i + 1_000)) {
        const hash = sha1(text)
        tx.createOrReplace({
          _id: `file-${hash}-txt`,
          _type: 'sanity.fileAsset',
          path: `files/local/test/${hash}.txt`,
          sha1hash: hash,
          extension: 'txt',
        })
      }
      await tx.commit({visibility: 'async'})
    }
    for (const text of [...named, ...orphans]) {
      await writeFile(join(folder, `${sha1(text)}.txt`), text)
    }

    // The upload route's first use (its modules, the first file stored) is not what is measured.
    await client.assets.upload('file', Buffer.from('প্রথম'), {filename: 'first.txt'})
    const before = await cpuTimes(lake.pid)
    const swept = new Promise<number>((resolve, reject) => {
      onSwept = resolve
      child!.child.once('exit', () => reject(new Error('the lake exited before its sweep ended')))
    })
    child.child.kill('SIGUSR2')
    // Uploads while it runs, one after another: each file stored before its document is written.
    const uploads = (async () => {
      const done = []
      for (let i = 0; i < 10; i++) {
        const bytes = Buffer.from(`সুইপের মধ্যে ${i}`)
        done.push(await client.assets.upload('file', bytes, {filename: `u${i}.txt`}))
      }
      return done
    })()
    const holds: number[] = []
    const pings = await pingsWhile(lake, Promise.all([swept, uploads]), 20, holds)
    const after = await cpuTimes(lake.pid)
    expect(await swept).toBe(ORPHANS)

    for (const text of orphans) expect(existsSync(join(folder, `${sha1(text)}.txt`))).toBe(false)
    for (const text of named) {
      expect(readFileSync(join(folder, `${sha1(text)}.txt`), 'utf8')).toBe(text)
    }
    for (const asset of await uploads) {
      expect(existsSync(join(folder, asset.path.split('/').pop()!))).toBe(true)
      const res = await fetch(asset.url)
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    const loop = after.main - before.main
    const measured = `loop CPU in one ping ${Math.max(0, ...holds)} of ${loop} ms over ${pings.length} pings (longest ${Math.round(Math.max(...pings))} ms)`
    console.log(measured)
    expect(pings.length).toBeGreaterThan(2)
    expect(Math.max(...holds), measured).toBeLessThan(loop / 4)
  },
)

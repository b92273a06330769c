/**
 * The data folder's lock (lake/cli/dataFolderLock.ts) over a damaged lock.sqlite: the file holds
 * nothing worth keeping, so a start recreates it rather than refusing to run, and the lock it then
 * takes still keeps a second start out.
 */
import {spawn} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, expect, test} from 'vitest'
import {DataFolderInUseError, LOCK_FILE, lockDataFolder} from '../../../lake/cli/dataFolderLock.ts'

const LOCK_MODULE = new URL('../../../lake/cli/dataFolderLock.ts', import.meta.url).href

const folders: string[] = []
afterAll(() => Promise.all(folders.map((dir) => rm(dir, {recursive: true, force: true}))))

const folder = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-lock-'))
  folders.push(dir)
  return dir
}

const who = (pid: number) => ({pid, supervisor: null, now: new Date('2026-12-07T11:00:00Z')})

test.each([
  ['garbage', Buffer.from('not a database, only text someone saved here\n'.repeat(200))],
  // SQLite's header, then noise: read as a database until its first page is.
  ['a torn database', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080, 0xab)])],
])(
  'a lock.sqlite holding %s is recreated, and the lock taken keeps a second start out',
  async (_, bytes) => {
    const dataDir = await folder()
    await writeFile(join(dataDir, LOCK_FILE), bytes)
    // Before: threw "file is not a database", naming no file; the lake did not start.
    const lock = lockDataFolder(dataDir, who(101))
    try {
      expect(() => lockDataFolder(dataDir, who(102))).toThrow(DataFolderInUseError)
    } finally {
      lock.release()
    }
    lockDataFolder(dataDir, who(103)).release()
    expect((await readFile(join(dataDir, LOCK_FILE))).subarray(0, 16).toString()).toBe(
      'SQLite format 3\0',
    )
  },
)

test('a lock.sqlite that cannot be opened (a folder in its place) is named, with the fix', async () => {
  const dataDir = await folder()
  await mkdir(join(dataDir, LOCK_FILE))
  // Before: "lake: unable to open database file", naming no file.
  expect(() => lockDataFolder(dataDir, who(104))).toThrow(
    `Cannot take the data folder's lock ${join(dataDir, LOCK_FILE)}: `,
  )
  expect(() => lockDataFolder(dataDir, who(104))).toThrow(
    `with no lake running on ${dataDir}, delete it and start again`,
  )
})

/** A process that takes the lock once told to, says what came of it, and holds it until killed. */
function contender(dataDir: string) {
  const script = `
    const {lockDataFolder} = await import(${JSON.stringify(LOCK_MODULE)})
    process.stdin.once('data', () => {
      try {
        lockDataFolder(${JSON.stringify(dataDir)}, {pid: process.pid, supervisor: null, now: new Date()})
        console.log('locked')
      } catch (error) {
        console.log(error.name + ': ' + error.message)
      }
    })
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const said = new Promise<string>((resolve) =>
    child.stdout.on('data', () => out.includes('\n') && resolve(out.trim())),
  )
  return {child, said}
}

test('two starts racing on a damaged lock.sqlite: one takes the folder, the other is refused', async () => {
  for (let round = 0; round < 5; round++) {
    const dataDir = await folder()
    await writeFile(join(dataDir, LOCK_FILE), 'garbage '.repeat(1000))
    const both = [contender(dataDir), contender(dataDir)]
    try {
      // Told at once: their opens, reads and rewrites may interleave in any order.
      for (const one of both) one.child.stdin.write('go\n')
      const said = (await Promise.all(both.map((one) => one.said))).sort()
      expect(said).toEqual([
        expect.stringMatching(/^DataFolderInUseError: The data folder .* is in use/),
        'locked',
      ])
    } finally {
      for (const one of both) one.child.kill('SIGKILL')
    }
  }
}, 120_000)

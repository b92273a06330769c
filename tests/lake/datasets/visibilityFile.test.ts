/**
 * datasets/visibility.json changed while it does not parse (a hand edit caught half-saved): a
 * change builds on the settings last read, never on none, which would make every other public
 * dataset private and end its anonymous listeners.
 */
import {mkdtemp, readFile, rm, stat, utimes, writeFile, mkdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, expect, it, vi} from 'vitest'
import {openVisibility, VISIBILITY_FILE} from '../../../lake/datasets/visibility.ts'
import {UnavailableError} from '../../../lake/core/errors.ts'

let dataDir: string
let file: string

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-visibility-'))
  file = join(dataDir, VISIBILITY_FILE)
  await mkdir(join(dataDir, 'datasets'), {recursive: true})
  vi.spyOn(console, 'error').mockImplementation(() => {})
})

afterEach(async () => {
  vi.restoreAllMocks()
  await rm(dataDir, {recursive: true, force: true})
})

const settingsOnDisk = async () => JSON.parse(await readFile(file, 'utf8')) as unknown

it('a change while the file does not parse keeps the other datasets as last read', async () => {
  await writeFile(file, JSON.stringify({a: {aclMode: 'public'}, b: {aclMode: 'public'}}))
  const visibility = openVisibility(dataDir, 0)
  expect(visibility.of('a')).toBe('public')
  await writeFile(file, '{"a": {"aclMode": "pub')
  visibility.set('c', 'public')
  expect(await settingsOnDisk()).toEqual({
    a: {aclMode: 'public'},
    b: {aclMode: 'public'},
    c: {aclMode: 'public'},
  })
  await writeFile(file, '{"a": {"aclMode": "pub')
  visibility.remove('a')
  expect(await settingsOnDisk()).toEqual({b: {aclMode: 'public'}, c: {aclMode: 'public'}})
})

it('a change to a file never read that does not parse is refused, the file left as it is', async () => {
  await writeFile(file, '{"a": {"aclMode": "pub')
  const visibility = openVisibility(dataDir, 0)
  expect(() => visibility.set('c', 'public')).toThrow(UnavailableError)
  expect(() => visibility.set('c', 'public')).toThrow(/visibility\.json.*not valid JSON.*fix it/)
  expect(await readFile(file, 'utf8')).toBe('{"a": {"aclMode": "pub')
})

it('a save within one tick of the clock of file times is read all the same', async () => {
  // Whole seconds: a file time set with utimes reads back the same.
  const time = Math.floor(Date.now() / 1000)
  await writeFile(file, JSON.stringify({a: {aclMode: 'public'}}))
  await utimes(file, time, time)
  const lake = openVisibility(dataDir, 0)
  expect(lake.of('a')).toBe('public')
  // The command line makes it private; the kernel's coarse clock gives the new file the time the
  // last save had.
  openVisibility(dataDir).set('a', 'private')
  await utimes(file, time, time)
  expect((await stat(file)).mtimeMs).toBe(time * 1000)
  expect(lake.of('a')).toBe('private')
})

it('counts each change from public to private, so one undone before a lake looks is seen', async () => {
  const cli = openVisibility(dataDir)
  const lake = openVisibility(dataDir, 0)
  cli.set('a', 'public')
  expect(lake.publicSince('a')).toBe(0)
  cli.set('a', 'private')
  cli.set('a', 'private')
  cli.set('a', 'public')
  expect([lake.of('a'), lake.madePrivate('a'), lake.publicSince('a')]).toEqual(['public', 1, 1])
  expect(await settingsOnDisk()).toEqual({a: {aclMode: 'public', madePrivate: 1}})
})

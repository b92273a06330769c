/**
 * datasets/visibility.json changed while it does not parse (a hand edit caught half-saved): a
 * change builds on the settings last read, never on none, which would make every other public
 * dataset private and end its anonymous listeners.
 */
import {mkdtemp, readFile, rm, writeFile, mkdir} from 'node:fs/promises'
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

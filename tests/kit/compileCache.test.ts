/**
 * The record of a compile-cache warm-up (kit/compileCache.ts): the lake skips its query threads'
 * warm-up thread while none of the files it loaded has changed, and warms up again when one has.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, expect, test, vi} from 'vitest'
import {recordWarmUp, warmedUp} from '../../kit/compileCache.ts'

const dir = mkdtempSync(join(tmpdir(), 'warm-up-'))
const first = join(dir, 'first.ts')
const second = join(dir, 'second.ts')
beforeAll(() => {
  vi.stubEnv('NODE_COMPILE_CACHE', join(dir, 'cache'))
  mkdirSync(join(dir, 'cache'))
})
afterAll(() => {
  vi.unstubAllEnvs()
  rmSync(dir, {recursive: true, force: true})
})

test('a warm-up is current until one of its files changes or goes', () => {
  writeFileSync(first, 'export const a = 1\n')
  writeFileSync(second, 'export const b = 2\n')
  expect(warmedUp('threads')).toBe(false)
  recordWarmUp('threads', [pathToFileURL(first).href, 'node:fs', pathToFileURL(second).href])
  expect(warmedUp('threads')).toBe(true)
  // Another warm-up's record is its own.
  expect(warmedUp('others')).toBe(false)

  writeFileSync(second, 'export const b = 22\n')
  expect(warmedUp('threads')).toBe(false)
  recordWarmUp('threads', [pathToFileURL(first).href, pathToFileURL(second).href])
  expect(warmedUp('threads')).toBe(true)

  rmSync(first)
  expect(warmedUp('threads')).toBe(false)
})

/**
 * The module boundaries of eslint.config.js (docs/architecture.md#boundary-rules), linted as the
 * project's own config sees a file at that path: a rule that lets an import through would
 * otherwise go unnoticed until someone used it.
 */
import {builtinModules} from 'node:module'
import {ESLint} from 'eslint'
import {describe, expect, it} from 'vitest'

const eslint = new ESLint({cwd: process.cwd()})

/** The no-restricted-imports messages for `source` as if it were the file at `filePath`. */
async function restrictedImports(source: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, {filePath})
  return result.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message)
}

/** Every built-in by its bare name and with `node:` (the prefix-only ones, like node:sqlite, once). */
const BUILTINS = [
  ...new Set(
    builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])),
  ),
]

describe('lake/core imports no Node built-in, no Hono, no adapter', () => {
  it.each(BUILTINS)('refuses %s', async (name) => {
    const source = `import x from '${name}'\nexport const y = x\n`
    expect(await restrictedImports(source, 'lake/core/example.ts')).toEqual([
      expect.stringMatching(/lake\/core is pure/),
    ])
  })

  it.each([
    `import fs from 'fs'`,
    `import {readFileSync as fs} from 'fs'`,
    `import * as fs from 'fs/promises'`,
    `import fs from 'node:fs'`,
    `import fs from 'hono'`,
    `import fs from 'hono/cors'`,
    `import fs from '../store/sqliteStore.ts'`,
    `import fs from '../events/bus.ts'`,
    `import fs from '../../scripts/import.ts'`,
  ])('refuses %s, also as a re-export and a type import', async (statement) => {
    const from = statement.split(' from ')[1]
    for (const source of [
      `${statement}\nexport const y = fs\n`,
      `export {default} from ${from}\n`,
      `import type fs from ${from}\nexport type Y = typeof fs\n`,
    ]) {
      expect(await restrictedImports(source, 'lake/core/example.ts'), source).toHaveLength(1)
    }
  })

  // no-restricted-imports sees static imports only: a dynamic import or Node 24's
  // process.getBuiltinModule let core reach the same modules past it (issue 9 audit).
  it.each([
    `export const y = await import('node:fs')`,
    `export const y = await import('../store/sqliteStore.ts')`,
    `export const y = import('hono')`,
    `export const y = process.getBuiltinModule('node:fs')`,
    // Buffer is Node's: core uses TextEncoder/TextDecoder and Uint8Array (core/utf8.ts).
    `export const y = Buffer.byteLength('x')`,
    `export const y = Buffer.from([1]).toString('utf8')`,
  ])('refuses %s', async (source) => {
    const [result] = await eslint.lintText(`${source}\n`, {filePath: 'lake/core/example.ts'})
    expect(result.messages.map((message) => message.message)).toEqual([
      expect.stringMatching(/lake\/core is pure/),
    ])
  })

  it('allows core modules and the pure modules listed for it', async () => {
    const source = [
      `import {parseQuery} from './query.ts'`,
      `import {toNfc} from '../../bangla/index.ts'`,
      `import {isDraftId} from '../../kit/sanityIds.ts'`,
      `import {parse} from 'groq-js'`,
      `export const y = [parseQuery, toNfc, isDraftId, parse]`,
      '',
    ].join('\n')
    expect(await restrictedImports(source, 'lake/core/example.ts')).toEqual([])
  })

  it('lets the adapters outside core use Node', async () => {
    const source = `import fs from 'fs'\nimport {DatabaseSync} from 'node:sqlite'\nexport const y = [fs, DatabaseSync]\n`
    expect(await restrictedImports(source, 'lake/store/example.ts')).toEqual([])
  })
})

describe('lake/http calls the dataset service, never the store, the bus or runTransaction', () => {
  it.each([
    `import {createSqliteStores as x} from '../../store/sqliteStore.ts'`,
    `import {createEventBus as x} from '../events/bus.ts'`,
    `import {runTransaction as x} from '../../core/transaction.ts'`,
  ])('refuses %s', async (statement) => {
    const source = `${statement}\nexport const y = x\n`
    expect(await restrictedImports(source, 'lake/http/routes/example.ts')).toEqual([
      expect.stringMatching(/lake\/http (calls|commits through) the dataset service/),
    ])
  })

  it('allows their types, the rest of core and the lake-wide rules still apply', async () => {
    const allowed = [
      `import type {EventBus} from '../events/bus.ts'`,
      `import type {Store} from '../../store/sqliteStore.ts'`,
      `import type {WorkingSet} from '../../core/transaction.ts'`,
      `import {NotFoundError} from '../../core/errors.ts'`,
      `export const y = NotFoundError`,
      `export type Z = [EventBus, Store, WorkingSet]`,
      '',
    ].join('\n')
    expect(await restrictedImports(allowed, 'lake/http/routes/example.ts')).toEqual([])
    const schema = `import {article} from '../../../schemas/article.ts'\nexport const y = article\n`
    expect(await restrictedImports(schema, 'lake/http/routes/example.ts')).toEqual([
      expect.stringMatching(/must not import schemas/),
    ])
  })
})

describe('lake/threads, shared by lake/http, lake/store and lake/query, imports none of them', () => {
  it.each([
    `import {createSqliteStores as x} from '../store/sqliteStore.ts'`,
    `import {writeBody as x} from '../http/nodeRequest.ts'`,
    `import {createQueryPool as x} from '../query/pool.ts'`,
    `import {LIMITS as x} from '../core/limits.ts'`,
  ])('refuses %s', async (statement) => {
    const source = `${statement}\nexport const y = x\n`
    expect(await restrictedImports(source, 'lake/threads/example.ts')).toEqual([
      expect.stringMatching(/lake\/threads is shared by lake\/http, lake\/store and lake\/query/),
    ])
  })

  it('allows its own folder, the kit and packages; the lake-wide rules still apply', async () => {
    const allowed = [
      `import {createIdleThread} from './idleThread.ts'`,
      `import {withCompileCache} from '../../kit/compileCache.ts'`,
      `import {Piscina} from 'piscina'`,
      `export const y = [createIdleThread, withCompileCache, Piscina]`,
      '',
    ].join('\n')
    expect(await restrictedImports(allowed, 'lake/threads/example.ts')).toEqual([])
    const schema = `import {article} from '../../schemas/article.ts'\nexport const y = article\n`
    expect(await restrictedImports(schema, 'lake/threads/example.ts')).toEqual([
      expect.stringMatching(/must not import schemas/),
    ])
  })

  it('is imported by all three', async () => {
    const source = `import {createIdleThread} from '../threads/idleThread.ts'\nexport const y = createIdleThread\n`
    expect(await restrictedImports(source, 'lake/http/example.ts')).toEqual([])
    expect(await restrictedImports(source, 'lake/store/example.ts')).toEqual([])
    expect(await restrictedImports(source, 'lake/query/example.ts')).toEqual([])
  })
})

describe('the lake does not import what starts it (kit/lakeProcess.ts)', () => {
  it.each([
    'lake/cli/example.ts',
    'lake/example.ts',
    'lake/http/example.ts',
    'lake/threads/example.ts',
  ])('refuses it in %s', async (file) => {
    const up = '../'.repeat(file.split('/').length - 1)
    const source = `import {startLakeProcess} from '${up}kit/lakeProcess.ts'\nexport const y = startLakeProcess\n`
    expect(await restrictedImports(source, file)).toEqual([
      expect.stringMatching(/lake\/ must not import kit\/lakeProcess\.ts/),
    ])
  })

  it("allows the lake's Node flags, which both use (kit/lakeFlags.ts)", async () => {
    const source = `import {limitThreadYoungGeneration} from '../../kit/lakeFlags.ts'\nexport const y = limitThreadYoungGeneration\n`
    expect(await restrictedImports(source, 'lake/cli/example.ts')).toEqual([])
    const kit = `import {LAKE_NODE_FLAGS} from './lakeFlags.ts'\nexport const y = LAKE_NODE_FLAGS\n`
    expect(await restrictedImports(kit, 'kit/lakeProcess.ts')).toEqual([])
  })
})

/**
 * Target resolution, and the scripts against a lake served over HTTPS by its own CA: the CA in the
 * lake's data folder is trusted automatically, and TLS stays verified (an unknown CA fails).
 */
import {mkdtemp, mkdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ensureTls} from '../../lake/tls/certificates.ts'
import {startLakeServer, type LakeServer} from '../../lake/server.ts'
import {run as runExport} from '../../scripts/export.ts'
import {run as runImport} from '../../scripts/import.ts'
import {run as runQuery} from '../../scripts/query.ts'
import {resolveTarget, TRANSACTION_LIMITS} from '../../scripts/lib/target.ts'
import {LIMITS} from '../../lake/core/limits.ts'
import {captureIo} from '../helpers/io.ts'

describe('resolveTarget', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'target-test-'))
    await mkdir(join(dir, 'lake', 'tls'), {recursive: true})
    await writeFile(join(dir, 'lake', 'token'), 'file-token\n')
    await writeFile(join(dir, 'lake', 'tls', 'ca.pem'), 'not read here')
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  it('uses the local lake by default, with the token and CA from its data folder', () => {
    const target = resolveTarget({LAKE_DATA: 'lake'}, {cwd: dir})
    expect(target).toMatchObject({
      kind: 'lake',
      dataset: 'production',
      client: {
        projectId: 'local',
        apiHost: 'https://localhost:3334',
        useProjectHostname: false,
        dataset: 'production',
        token: 'file-token',
        useCdn: false,
      },
      tokenSource: 'lake data folder',
      caPath: join(dir, 'lake', 'tls', 'ca.pem'),
    })
  })

  it('prefers SANITY_API_TOKEN, SANITY_STUDIO_DATASET and the --dataset flag', () => {
    const env = {LAKE_DATA: 'lake', SANITY_API_TOKEN: 'env-token', SANITY_STUDIO_DATASET: 'staging'}
    expect(resolveTarget(env, {cwd: dir})).toMatchObject({
      client: {token: 'env-token', dataset: 'staging'},
      tokenSource: 'SANITY_API_TOKEN',
    })
    expect(resolveTarget(env, {cwd: dir, dataset: 'other'}).dataset).toBe('other')
  })

  it('trusts no CA for a plain-HTTP lake and finds no token in an empty folder', () => {
    const target = resolveTarget({SANITY_STUDIO_API_HOST: 'http://127.0.0.1:4000/'}, {cwd: dir})
    expect(target.client.apiHost).toBe('http://127.0.0.1:4000')
    expect(target.caPath).toBeUndefined()
    expect(target.client.token).toBeUndefined()
    expect(target.dataDir).toBe(join(dir, '.lake'))
  })

  it('uses a hosted project when SANITY_STUDIO_PROJECT_ID is set', () => {
    const target = resolveTarget(
      {SANITY_STUDIO_PROJECT_ID: 'abc123', SANITY_API_TOKEN: 'sk', LAKE_DATA: 'lake'},
      {cwd: dir},
    )
    expect(target.kind).toBe('hosted')
    expect(target.client).toEqual({
      projectId: 'abc123',
      dataset: 'production',
      apiVersion: '2025-02-19',
      useCdn: false,
      token: 'sk',
    })
    expect(target.description).toBe('project abc123')
  })
})

describe('scripts against a lake over HTTPS', () => {
  let dataDir: string
  let otherDir: string
  let server: LakeServer
  let url: string

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tls-lake-'))
    otherDir = await mkdtemp(join(tmpdir(), 'tls-other-'))
    const {key, cert} = await ensureTls(dataDir)
    server = await startLakeServer({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      tls: {key, cert},
      env: {LAKE_ADMIN_EMAIL: 'admin@localhost', LAKE_ADMIN_PASSWORD: 'test-password-not-secret'},
    })
    url = server.url
    expect(url).toMatch(/^https:/)
  })

  afterAll(async () => {
    await server?.close()
    await rm(dataDir, {recursive: true, force: true})
    await rm(otherDir, {recursive: true, force: true})
  })

  // Order matters: trusting the CA lasts for the rest of this process.
  it('fails with exit code 1 when the lake’s CA is not the one in LAKE_DATA', async () => {
    const io = captureIo({
      env: {
        SANITY_STUDIO_API_HOST: url,
        LAKE_DATA: otherDir,
        SANITY_API_TOKEN: server.lake.auth!.token,
      },
    })
    expect(await runImport(['--dataset', 'tls', '--as-of', '2025-07-20'], io)).toBe(1)
    expect(io.err()).toMatch(/certificate .* is not trusted/)
  })

  it('imports, queries and exports with the CA and token found in the data folder', async () => {
    const env = {SANITY_STUDIO_API_HOST: url, LAKE_DATA: dataDir, SANITY_STUDIO_DATASET: 'tls'}
    const imported = captureIo({env})
    expect(await runImport(['--as-of', '2025-07-20', '--create-dataset'], imported)).toBe(0)
    expect(imported.err()).toMatch(/Imported 14 documents/)

    const queried = captureIo({env})
    expect(await runQuery(['count(*[_type == "headline"])'], queried)).toBe(0)
    expect(queried.out()).toBe('12\n')

    const exported = captureIo({env})
    expect(await runExport([], exported)).toBe(0)
    expect(exported.out().trim().split('\n')).toHaveLength(14)
  })
})

describe('the transaction limits the import checks before sending', () => {
  it('are the lake’s own', () => {
    expect(TRANSACTION_LIMITS).toEqual({
      documentBytes: LIMITS.documentBytes,
      requestBytes: LIMITS.body.write,
      writes: LIMITS.writesPerTransaction,
    })
  })
})

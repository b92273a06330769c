/**
 * The one local-lake configuration and the one way to start a lake process: the defaults every
 * client reads match the files the lake writes, and a started lake is reachable over verified TLS.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {startLakeProcess, trustLakeCa} from '../../kit/lakeProcess.ts'
import {apiHostFor, lakeFile, localLakeConfig, LOCAL_LAKE} from '../../kit/localLake.ts'
import {resolveStudioTarget} from '../../studio/target.ts'
import {resolveTarget} from '../../scripts/lib/target.ts'

const folders: string[] = []
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, {recursive: true, force: true})))
})

describe('localLakeConfig', () => {
  it('defaults to https://localhost:3334, .lake and production', () => {
    expect(localLakeConfig({})).toEqual({
      dataDir: '.lake',
      port: 3334,
      apiHost: 'https://localhost:3334',
      dataset: 'production',
      caPath: '.lake/tls/ca.pem',
      tokenPath: '.lake/token',
    })
  })

  it('reads LAKE_DATA, LAKE_PORT, SANITY_STUDIO_API_HOST and SANITY_STUDIO_DATASET', () => {
    expect(localLakeConfig({LAKE_DATA: '/srv/lake/', LAKE_PORT: '4334'})).toMatchObject({
      dataDir: '/srv/lake/',
      apiHost: 'https://localhost:4334',
      caPath: '/srv/lake/tls/ca.pem',
    })
    expect(
      localLakeConfig({
        SANITY_STUDIO_API_HOST: 'https://lake.example/',
        SANITY_STUDIO_DATASET: 'x',
      }),
    ).toMatchObject({apiHost: 'https://lake.example', dataset: 'x'})
  })

  it('is what the Studio and the scripts target by default', () => {
    expect(resolveStudioTarget({})).toEqual({
      kind: 'local',
      projectId: LOCAL_LAKE.projectId,
      dataset: LOCAL_LAKE.dataset,
      apiHost: localLakeConfig({}).apiHost,
    })
    const target = resolveTarget({}, {cwd: '/repo'})
    expect(target.client.apiHost).toBe(localLakeConfig({}).apiHost)
    expect(target.dataDir).toBe(join('/repo', LOCAL_LAKE.dataDir))
  })

  it.each([
    ['127.0.0.1', 3334, true, 'https://localhost:3334'],
    ['0.0.0.0', 80, false, 'http://localhost:80'],
    ['::1', 4000, true, 'https://localhost:4000'],
    ['10.0.0.5', 3334, true, 'https://10.0.0.5:3334'],
    ['fe80::1', 3334, false, 'http://[fe80::1]:3334'],
  ])('apiHostFor(%s, %i, %s) is %s', (host, port, tls, url) => {
    expect(apiHostFor(host, port, tls)).toBe(url)
  })
})

describe('startLakeProcess', () => {
  it('starts lake/cli.ts on a free port, writes the files the config names, stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kit-lake-'))
    folders.push(dataDir)
    const lines: string[] = []
    const lake = await startLakeProcess({
      dataDir,
      env: {...process.env, LAKE_ADMIN_PASSWORD: 'kit-test-password'},
      args: ['--studio-url', 'http://localhost:4333/'],
      onLine: (line) => lines.push(line),
    })
    try {
      // The first start's trust hint names this data folder: it said `npm run lake -- trust`
      // alone, which trusts the CA of .lake/, not this lake's. And its port, which trust's check
      // URL names (it was https://localhost:3334's whatever port the lake had).
      expect(lines.filter((line) => line.includes('npm run lake -- trust'))).toEqual([
        `Browsers must trust it once: npm run lake -- trust --data ${dataDir} --port ${lake.port} (see docs/studio-lake.md)`,
      ])
      expect(lake.url).toBe(`https://localhost:${lake.port}`)
      expect(lake.caPath).toBe(lakeFile(dataDir, 'ca'))
      expect(existsSync(lakeFile(dataDir, 'token'))).toBe(true)
      expect(lake.token).toMatch(/^sk/)
      // TLS stays verified: only the lake's own CA makes the request succeed.
      expect(trustLakeCa({path: lake.caPath!})).toBe(true)
      const res = await fetch(`${lake.url}/v2025-03-01/ping`)
      expect(await res.json()).toEqual({ping: 'pong'})
      // --studio-url: the lake's root names the Studio (npm run dev passes it).
      const root = await fetch(`${lake.url}/`)
      expect(await root.json()).toMatchObject({studio: 'http://localhost:4333'})
    } finally {
      await lake.stop()
    }
    // SIGTERM is a clean stop: the CLI returns 0.
    expect(lake.child.exitCode).toBe(0)
  })

  it('fails with the lake output when the port is taken', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kit-lake-'))
    folders.push(dataDir)
    const blocker = createServer()
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done))
    const port = (blocker.address() as {port: number}).port
    try {
      await expect(startLakeProcess({dataDir, port, tls: false, onLine: () => {}})).rejects.toThrow(
        /exited before it was ready[\s\S]*--- lake output ---[\s\S]*EADDRINUSE/,
      )
    } finally {
      blocker.close()
    }
  })
})

/**
 * The example front page shows a publish that no open tab heard of. <SanityLive> expires cached
 * answers only while a browser has the site open; a publish made while nobody looked must still
 * reach the page, within the example's cache lifetime (docs/front-end.md#the-example-front-page).
 * On main, answers were cached for a year: the page kept the old title until a rebuild.
 *
 * The real thing: a real lake, the example built (`next build`, as `npm run example -- --prod`)
 * and served (`next start`), plain HTTP requests and no browser. The lifetime is set short
 * (SANITY_CACHE_SECONDS) so that the test need not wait the default minute.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {REPO_ROOT} from '../helpers/io.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'

const APP = join(REPO_ROOT, 'examples/front-page')
const NEXT = join(REPO_ROOT, 'node_modules/.bin/next')
const ARTICLE = 'article-unheard-publish'
const CACHE_SECONDS = 2

let lake: TestLake
let site: ChildProcess | undefined
let siteUrl = ''

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const {port} = server.address() as {port: number}
  server.close()
  return port
}

async function frontPageTitles(): Promise<string> {
  const res = await fetch(siteUrl)
  const html = await res.text()
  return [...html.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1]).join(' | ')
}

beforeAll(async () => {
  lake = await startTestLake()
  await lake.client().createOrReplace({
    _id: ARTICLE,
    _type: 'article',
    title: 'প্রথম সংস্করণ',
    slug: {_type: 'slug', current: 'unheard-publish'},
    publishedAt: '2026-12-07T09:00:00Z',
  })
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    NODE_EXTRA_CA_CERTS: join(lake.dataDir, 'tls', 'ca.pem'),
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_PUBLIC_SANITY_PROJECT_ID: 'local',
    NEXT_PUBLIC_SANITY_DATASET: 'test',
    NEXT_PUBLIC_SANITY_API_HOST: lake.url,
    SANITY_API_READ_TOKEN: lake.token,
    SANITY_CACHE_SECONDS: String(CACHE_SECONDS),
  }
  // Not spawnSync: the build asks this process's lake for the page it prerenders.
  const build = spawn(NEXT, ['build', APP], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  build.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  build.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const [status] = (await once(build, 'exit')) as [number | null]
  if (status !== 0) throw new Error(`next build failed:\n${output}`)
  const port = await freePort()
  siteUrl = `http://127.0.0.1:${port}/`
  site = spawn(NEXT, ['start', APP, '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: REPO_ROOT,
    env,
    stdio: 'ignore',
  })
  // Ready once it answers (expect.poll is for tests, not hooks).
  for (let tries = 0; !(await frontPageTitles().catch(() => '')).includes('প্রথম'); tries++) {
    if (tries > 120 || site.exitCode !== null) throw new Error('next start did not serve the page')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}, 600_000)

afterAll(async () => {
  if (site && site.exitCode === null) {
    site.kill('SIGTERM')
    await once(site, 'exit')
  }
  await lake?.close()
})

describe('the example front page, with no browser open', () => {
  it('shows a publish nobody heard of within its cache lifetime', async () => {
    expect(await frontPageTitles()).toContain('প্রথম সংস্করণ')
    await lake.client().patch(ARTICLE).set({title: 'দ্বিতীয় সংস্করণ'}).commit()
    // A visit after the lifetime starts the refresh (stale-while-revalidate); a later one shows
    // it. Polled well past the lifetime, as the render itself is slow on a loaded machine; on
    // main the old title stays for a year.
    await expect
      .poll(frontPageTitles, {timeout: 60_000, interval: 1_000})
      .toContain('দ্বিতীয় সংস্করণ')
  }, 90_000)
})

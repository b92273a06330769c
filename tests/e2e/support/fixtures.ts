// Fixtures for every spec: a lake of its own per test (a fresh copy of the template data folder on
// the e2e port), Chromium trusting exactly that lake's certificate, and a watch on every response
// from the lake: a 404 or 5xx that the lake has not declared unsupported fails the test. Any request
// to a host other than the Studio and the lake fails it too: the Studio must work offline and
// tell no one else what the newsroom does.
/* eslint-disable no-empty-pattern -- Playwright reads a fixture's dependencies from its pattern. */
import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test as base, type BrowserContext, type Request, type TestInfo} from '@playwright/test'
import {ENV_SPKI, ENV_TEMPLATE_DIR, FRONT_PAGE_PORT, LAKE_PORT, STUDIO_PORT} from './config.ts'
import {startLake, trustLakeCa, type LakeProcess} from './lake.ts'
import {isDeclaredUnsupported} from './unsupported.ts'

export interface LakeProblem {
  method: string
  url: string
  /** HTTP status, or 0 when the request never got an answer (refused, TLS or CORS failure). */
  status: number
  error?: string
  /** When the request was sent and when its answer or failure was seen (ms since the epoch). */
  sentAt: number
  seenAt: number
}

interface TestFixtures {
  lake: LakeProcess
  /** Requests (and WebSockets) the browser made to any other host, in order. */
  otherHosts: string[]
  /** Responses from the lake with status 404 or ≥ 500, in order. */
  lakeProblems: LakeProblem[]
  /** Another browser context (a second editor), watched like the default one. */
  newContext: () => Promise<BrowserContext>
  /** Records a measured duration; the timings reporter lists them after the run. */
  timing: (step: string, ms: number) => void
}

interface WorkerFixtures {
  templateDir: string
}

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run the e2e tests with npm run test:e2e`)
  return value
}

const LAKE_HOST = new RegExp(`^https://([a-z0-9-]+\\.)?localhost:${LAKE_PORT}/`)
// The example front page (front-page.spec.ts) is the project's own too.
const OWN_HOSTS = new RegExp(
  `^(https?|wss?)://(localhost:(${STUDIO_PORT}|${FRONT_PAGE_PORT})|([a-z0-9-]+\\.)?localhost:${LAKE_PORT})/`,
)

/** Whether the browser may send this request: our own servers (Studio, lake, front page) only. */
export function isOwnHost(url: string): boolean {
  return OWN_HOSTS.test(url) || /^(data|blob|about|chrome-extension):/.test(url)
}

function sentAt(request: Request): number {
  const {startTime} = request.timing()
  return startTime > 0 ? startTime : Date.now()
}

function watch(context: BrowserContext, problems: LakeProblem[], otherHosts: string[]): void {
  context.on('request', (request) => {
    if (!isOwnHost(request.url())) otherHosts.push(`${request.method()} ${request.url()}`)
  })
  context.on('page', (page) => {
    page.on('websocket', (socket) => {
      if (!isOwnHost(socket.url())) otherHosts.push(`WebSocket ${socket.url()}`)
    })
  })
  context.on('response', (response) => {
    const status = response.status()
    const url = response.url()
    if ((status === 404 || status >= 500) && LAKE_HOST.test(url)) {
      problems.push({
        method: response.request().method(),
        url,
        status,
        sentAt: sentAt(response.request()),
        seenAt: Date.now(),
      })
    }
  })
  context.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? 'failed'
    // Aborted: the Studio cancelled it (a closed listener, a superseded query), not the lake.
    if (LAKE_HOST.test(request.url()) && error !== 'net::ERR_ABORTED') {
      problems.push({
        method: request.method(),
        url: request.url(),
        status: 0,
        error,
        sentAt: sentAt(request),
        seenAt: Date.now(),
      })
    }
  })
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  templateDir: [async ({}, use) => use(requiredEnv(ENV_TEMPLATE_DIR)), {scope: 'worker'}],

  launchOptions: [
    async ({launchOptions}, use) => {
      // Trust the lake's leaf certificate by its public key hash: no wholesale certificate bypass.
      const spki = requiredEnv(ENV_SPKI)
      await use({
        ...launchOptions,
        args: [...(launchOptions.args ?? []), `--ignore-certificate-errors-spki-list=${spki}`],
      })
    },
    {scope: 'worker'},
  ],

  lake: [
    async ({templateDir}, use, testInfo) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'e2e-lake-'))
      cpSync(templateDir, dataDir, {recursive: true})
      trustLakeCa(dataDir)
      const started = Date.now()
      const lake = await startLake(dataDir)
      testInfo.annotations.push({
        type: 'timing',
        description: `lake start: ${Date.now() - started} ms`,
      })
      try {
        await use(lake)
      } finally {
        await lake.stop()
        if (testInfo.status !== testInfo.expectedStatus) {
          await testInfo.attach('lake.log', {
            body: readFileSync(lake.logFile),
            contentType: 'text/plain',
          })
        }
        rmSync(dataDir, {recursive: true, force: true})
        rmSync(lake.logFile, {force: true})
      }
    },
    {auto: true},
  ],

  lakeProblems: async ({lake}, use, testInfo) => {
    const problems: LakeProblem[] = []
    await use(problems)
    reportProblems(problems, lake.downtimes, testInfo)
  },

  otherHosts: async ({}, use) => {
    const requests: string[] = []
    await use(requests)
    if (requests.length > 0) {
      throw new Error(
        `The browser sent ${requests.length} request(s) to hosts other than the Studio and the lake:\n${[...new Set(requests)].join('\n')}`,
      )
    }
  },

  context: async ({context, lakeProblems, otherHosts}, use) => {
    watch(context, lakeProblems, otherHosts)
    // The default page exists before this fixture runs: watch its sockets too.
    for (const page of context.pages()) {
      page.on('websocket', (socket) => {
        if (!isOwnHost(socket.url())) otherHosts.push(`WebSocket ${socket.url()}`)
      })
    }
    await use(context)
  },

  newContext: async ({browser, lakeProblems, otherHosts}, use, testInfo) => {
    const contexts: BrowserContext[] = []
    await use(async () => {
      const {baseURL, locale, timezoneId, viewport} = testInfo.project.use
      const context = await browser.newContext({baseURL, locale, timezoneId, viewport})
      watch(context, lakeProblems, otherHosts)
      contexts.push(context)
      return context
    })
    for (const context of contexts) await context.close()
  },

  timing: async ({}, use, testInfo) => {
    await use((step, ms) => {
      testInfo.annotations.push({type: 'timing', description: `${step}: ${Math.round(ms)} ms`})
    })
  },
})

/** Clock and bookkeeping slack between the browser's request times and the lake's restart. */
const RESTART_GRACE_MS = 500
/**
 * How late a refused connection may be reported after the lake listens again: nothing else refuses
 * one, but the browser's events reach the test seconds late on a loaded machine (a request's
 * own start time is then as late).
 */
const REFUSED_REPORTED_LATE_MS = 10_000

/**
 * Refused, cut off, or a 503 from a closing lake: a request sent before a test's restart of the
 * lake was over, that failed once the restart had begun (a listener open for minutes included).
 */
function whileDown(problem: LakeProblem, downtimes: LakeProcess['downtimes']): boolean {
  const refused = problem.status === 0 && problem.error === 'net::ERR_CONNECTION_REFUSED'
  return (
    (problem.status === 0 || problem.status === 503) &&
    downtimes.some(
      ({from, to = Infinity}) =>
        problem.seenAt >= from &&
        (problem.sentAt <= to + RESTART_GRACE_MS ||
          (refused && problem.seenAt <= to + REFUSED_REPORTED_LATE_MS)),
    )
  )
}

/** Where a problem lies against the test's restarts, for the failure message. */
function againstRestarts(problem: LakeProblem, downtimes: LakeProcess['downtimes']): string {
  if (downtimes.length === 0) return ''
  const {from, to} = downtimes[downtimes.length - 1]
  const after = (at: number, mark: number | undefined) =>
    mark === undefined ? '?' : `${at - mark >= 0 ? '+' : ''}${at - mark}`
  return ` (sent ${after(problem.sentAt, to)} ms, seen ${after(problem.seenAt, to)} ms from the lake listening again, down at ${after(from, to)})`
}

function reportProblems(
  all: LakeProblem[],
  downtimes: LakeProcess['downtimes'],
  testInfo: TestInfo,
): void {
  const problems = all.filter((p) => !whileDown(p, downtimes))
  if (problems.length < all.length) {
    testInfo.annotations.push({
      type: 'lake-down',
      description: `${all.length - problems.length} request(s) failed while the lake was restarted`,
    })
  }
  const unexpected = problems.filter(
    (p) => p.status === 0 || !isDeclaredUnsupported(p.method, p.url, p.status),
  )
  const declared = problems.length - unexpected.length
  if (declared > 0) {
    testInfo.annotations.push({
      type: 'lake-unsupported',
      description: `${declared} response(s) the lake declares unsupported`,
    })
  }
  if (unexpected.length > 0) {
    const list = unexpected
      .map((p) => `${p.status || p.error} ${p.method} ${p.url}${againstRestarts(p, downtimes)}`)
      .join('\n')
    throw new Error(
      `The lake answered ${unexpected.length} Studio request(s) unexpectedly:\n${list}`,
    )
  }
}

export {expect} from '@playwright/test'

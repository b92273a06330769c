/**
 * `npm run lake -- start [--port 3334] [--host 127.0.0.1] [--data .lake] [--no-tls]
 * [--cors-origin URL]… [--query-timeout S] [--query-memory MB] [--write-timeout S]
 * [--answer-memory MB] [--index PATH]… [--order-index 'PATH [desc]']… [--studio-url URL]`:
 * the lake in the foreground, over HTTPS (HTTP/2 and HTTP/1.1) with the data
 * folder's own certificate unless --no-tls.
 */
import {startLakeServer} from '../server.ts'
import {openAuth} from '../auth/bootstrap.ts'
import {ensureTls} from '../tls/certificates.ts'
import {defineCommand, EXIT, parsePort, UsageError} from '../../kit/cli.ts'
import {apiHostFor, LOCAL_LAKE} from '../../kit/localLake.ts'
import {limitThreadYoungGeneration} from '../../kit/lakeFlags.ts'
import {LAKE_SUPERVISOR_VARIABLE} from '../../kit/lakeStop.ts'
import {
  DEFAULT_ANSWER_MEMORY_MB,
  DEFAULT_QUERY_MEMORY_MB,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_WRITE_TIMEOUT_MS,
  orderIndexKey,
} from '../index.ts'
import {reportCreatedAdmin} from './accounts.ts'
import {dataFlag, dataFolderOption, envCommandFor} from './dataFolder.ts'
import {lockDataFolder} from './dataFolderLock.ts'
import {stopLimitMs, stopOnSignal} from './stopping.ts'
import {sharpQueue} from '../assets/sharp.ts'
import {refuseNewerDatasets} from '../store/sqliteStore.ts'
import {derivationsUnderWay} from '../auth/hashing.ts'

const HELP = `Usage: npm run lake -- [start] [--port N] [--host HOST] [--data DIR] [--no-tls] [--cors-origin URL]…
       [--query-timeout SECONDS] [--query-memory MB] [--write-timeout SECONDS]
       [--answer-memory MB] [--index PATH]… [--order-index 'PATH [desc]']… [--studio-url URL]

Runs the local Content Lake in the foreground, over HTTPS (HTTP/2 and HTTP/1.1) with the data
folder's own certificate. The first start creates the data folder, the certificate authority, the
administrator (its generated password is printed once) and the scripts' token. Ctrl-C stops it
cleanly: listeners' streams end (their clients reconnect once it is back), queued writes finish,
the databases close.

  --port N           port (default ${LOCAL_LAKE.port}; 0 picks a free one)
  --host HOST        address to listen on (default ${LOCAL_LAKE.host})
  --data DIR         the data folder (default ${LOCAL_LAKE.dataDir})
  --no-tls           plain HTTP (fine for scripts, not for the Studio, which needs HTTP/2)
  --cors-origin URL  another Studio origin to allow (repeatable; also LAKE_CORS_ORIGINS)
  --query-timeout S  a query running longer is stopped with an error (default ${DEFAULT_QUERY_TIMEOUT_MS / 1000})
  --query-memory MB  heap one query may use before it is stopped (default ${DEFAULT_QUERY_MEMORY_MB})
  --write-timeout S  a large write (built off the event loop) running longer is stopped (default ${DEFAULT_WRITE_TIMEOUT_MS / 1000})
  --answer-memory MB answers held for slow clients before a 503 (a quarter per caller, a 429); a longer query answer is a 400 (default ${DEFAULT_ANSWER_MEMORY_MB})
  --index PATH       index this attribute path in every dataset, e.g. slug.current (repeatable)
  --order-index 'PATH [desc]'
                     index every type in this order in every dataset, e.g. position: a list pane
                     sorted by it reads its page off the index from the first request (repeatable)
  --studio-url URL   the Studio's address, for the lake's root page (npm run dev passes it)

Examples:
  npm run lake
  npm run lake -- start --port 4334 --data .lake-demo --cors-origin http://localhost:4333
  LAKE_ADMIN_EMAIL=desk@example.org npm run lake     # choose the first administrator

Exit codes: 0 stopped cleanly (Ctrl-C, SIGTERM) · 1 could not start (the port taken, the data folder in use by another lake or not a writable folder or a dataset in it written by a newer lake) · 2 bad arguments, or a folder holding what no lake made
`

export const command = defineCommand({
  invocation: 'npm run lake -- start',
  help: HELP,
  options: {
    port: {type: 'string', default: String(LOCAL_LAKE.port)},
    host: {type: 'string', default: LOCAL_LAKE.host},
    data: {type: 'string', default: LOCAL_LAKE.dataDir},
    'no-tls': {type: 'boolean', default: false},
    'cors-origin': {type: 'string', multiple: true, default: []},
    'query-timeout': {type: 'string', default: String(DEFAULT_QUERY_TIMEOUT_MS / 1000)},
    'query-memory': {type: 'string', default: String(DEFAULT_QUERY_MEMORY_MB)},
    'write-timeout': {type: 'string', default: String(DEFAULT_WRITE_TIMEOUT_MS / 1000)},
    'answer-memory': {type: 'string', default: String(DEFAULT_ANSWER_MEMORY_MB)},
    index: {type: 'string', multiple: true, default: []},
    'order-index': {type: 'string', multiple: true, default: []},
    'studio-url': {type: 'string'},
  },
  async run({values}, io) {
    // Before any thread starts: the event loop's young generation stays LAKE_NODE_FLAGS'.
    limitThreadYoungGeneration()
    const queryTimeoutMs = positive(values['query-timeout'], '--query-timeout', 'seconds') * 1000
    const writeTimeoutMs = positive(values['write-timeout'], '--write-timeout', 'seconds') * 1000
    const queryMemoryMb = Math.round(positive(values['query-memory'], '--query-memory', 'MB'))
    const answerMemoryMb = positive(values['answer-memory'], '--answer-memory', 'MB')
    const stopLimit = stopLimitMs(io.env)
    for (const path of values.index) {
      if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(path)) {
        throw new UsageError(`--index takes an attribute path like slug.current, got "${path}".`)
      }
    }
    for (const order of values['order-index']) {
      if (/^_id(?: +(?:asc|desc))?$/.test(order.trim())) {
        throw new UsageError(
          `--order-index _id: every type is already read in _id order off its id index, got "${order}".`,
        )
      }
      if (!orderIndexKey(order)) {
        throw new UsageError(
          `--order-index takes an attribute path, then asc or desc, like "position" or "name desc", got "${order}".`,
        )
      }
    }
    const studioUrl =
      values['studio-url'] === undefined ? undefined : httpUrl(values['studio-url'], '--studio-url')
    // 0 lets the system pick a free port (tests start the lake that way).
    const port = parsePort(values.port, 0)
    const dataDir = dataFolderOption(values.data)
    // One lake per folder, before anything is read or written: a second would serve the same files
    // with a clock and listeners of its own. Held for the process's life; a failed start lets go.
    const supervisor = Number(io.env[LAKE_SUPERVISOR_VARIABLE])
    const lock = lockDataFolder(dataDir, {
      pid: process.pid,
      supervisor: Number.isInteger(supervisor) && supervisor > 0 ? supervisor : null,
      now: io.now(),
    })
    // A start that fails from here lets the folder go: in-process (tests, embedders) a retry
    // would otherwise be refused for the lock this process still holds.
    let server: Awaited<ReturnType<typeof startLakeServer>>
    let tls: Awaited<ReturnType<typeof ensureTls>> | null
    try {
      // Before anything is written or served: a dataset opens at its first request, and a lake that
      // started would answer that request, not its operator, that it cannot read the file.
      refuseNewerDatasets(dataDir)
      // The administrator and scripts' token first: a generated password must be shown even when
      // the port turns out to be busy.
      const auth = await openAuth(dataDir, io.env)
      auth.store.close()
      reportCreatedAdmin(auth, io.stdout)
      if (auth.createdToken) io.stdout.write(`Wrote the scripts' API token to ${auth.tokenPath}\n`)
      tls = values['no-tls'] ? null : await ensureTls(dataDir)
      if (tls?.created.ca) {
        io.stdout.write(`Created a certificate authority for this lake: ${tls.files.caPath}\n`)
      } else if (tls?.created.leaf) {
        io.stdout.write(`Issued a new localhost certificate: ${tls.files.certPath}\n`)
      }
      server = await startLakeServer({
        port,
        host: values.host,
        dataDir,
        tls: tls ? {key: tls.key, cert: tls.cert} : false,
        corsOrigins: values['cors-origin'],
        env: io.env,
        queryTimeoutMs,
        queryMemoryMb,
        writeTimeoutMs,
        answerMemoryMb,
        indexes: values.index,
        orderIndexes: values['order-index'],
        studioUrl,
        // The process is the lake's own: give its heap back after a bulk load.
        trimHeap: true,
      })
    } catch (error) {
      lock.release()
      throw error
    }
    // Listening for the stop's signals before any line says the lake is up: one sent on seeing a
    // line written earlier (a Ctrl-C, a test's signal while the lake's thread waits for a core
    // after the write) ended the lake by the signal's default action, not a clean stop. A signal
    // taken now is handled once the lines below are written (a listener runs on the event loop).
    const stopped = stopOnSignal(() => server.close(), io, stopLimit)
    // Once bound: trust's check names the port, which --port 0 leaves to the system. Before the
    // listening line, which those who start the lake wait for.
    if (tls?.created.ca) {
      const portFlag = server.port === LOCAL_LAKE.port ? '' : ` --port ${server.port}`
      io.stdout.write(
        `Browsers must trust it once: npm run lake -- trust${dataFlag(values.data)}${portFlag} ` +
          '(see docs/studio-lake.md)\n',
      )
    }
    lock.serving(server.url)
    io.stdout.write(`Lake listening on ${server.url} (data: ${values.data})\n`)
    // Before the first request that needs one (a cold start takes seconds on a busy machine); not
    // before listening, which they would delay.
    server.lake.startQueryThreads()
    const lake = {port: server.port, host: values.host, data: values.data, tls: tls !== null}
    io.stdout.write(
      `Studio and clients: apiHost ${apiHostFor(lake.host, lake.port, lake.tls)} (${envCommandFor(lake)})\n`,
    )

    const signal = await stopped
    lock.release()
    // Closed: databases, query threads and connections. Ending the process here rather than when
    // its event loop drains skips freeing the main heap page by page, which took 100–500 ms of a
    // stop under load (half of what followed the close).
    end(signal, EXIT.SUCCESS)
  },
})

/**
 * Ends the process after a stop. With image work or password checks under way, by the signal
 * itself: exit() runs libuv's teardown, which runs every job of its thread pool, queued ones too,
 * after it has ended the stop limit's thread. A libvips render of a large PNG cannot be cancelled
 * (one held a SIGTERM 2-4 s past the close), nor can scrypt (50 sign-ins' checks held one 2.6-5.9
 * s). The signal's default action skips that teardown; the databases are closed by then, the
 * render's file was never renamed into the cache (lake/assets/imageCache.ts writes a temporary
 * file first), and a check's sign-in was never answered.
 */
function end(signal: NodeJS.Signals, code: number): never {
  if (sharpQueue().running > 0 || derivationsUnderWay() > 0) {
    // No listener is left for the signal, so its default action applies: the process ends now.
    process.kill(process.pid, signal)
  }
  process.exit(code)
}

function httpUrl(value: string, option: string): string {
  let url: URL | null = null
  try {
    url = new URL(value)
  } catch {
    // Said below.
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:'))
    return value.replace(/\/+$/, '')
  throw new UsageError(`${option} takes an http(s) URL like http://localhost:3333, got "${value}".`)
}

function positive(value: string, option: string, unit: string): number {
  const number = Number(value)
  if (Number.isFinite(number) && number > 0) return number
  throw new UsageError(`${option} takes a positive number of ${unit}, got "${value}".`)
}

/**
 * The lake on a port: HTTP/2 over TLS with HTTP/1.1 fallback when a key and certificate are given
 * (browsers need h2 for the Studio's many listeners), plain HTTP/1.1 otherwise.
 */
import {getRequestListener, type ServerType} from '@hono/node-server'
import {createServer, IncomingMessage, STATUS_CODES, type ServerResponse} from 'node:http'
import {
  constants as http2Constants,
  createSecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  type ServerHttp2Stream,
} from 'node:http2'
import type {AddressInfo, Socket} from 'node:net'
import type {Duplex} from 'node:stream'
import {LOCAL_LAKE} from '../kit/localLake.ts'
import {capConnections} from './http/connectionSlots.ts'
import {corsOrigins} from './http/cors.ts'
import {
  errorResponse,
  connectAnswer,
  expectationFailedAnswer,
  malformedRequestAnswer,
  unroutableRequestAnswer,
} from './http/errors.ts'
import {refusedHost} from './http/hostNames.ts'
import {LIMITS} from './core/limits.ts'
import {writeArrival} from './http/nodeRequest.ts'
import {
  createLake,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_WRITE_TIMEOUT_MS,
  type Lake,
  type LakeOptions,
} from './index.ts'
import {watchRevocations} from './auth/revocation.ts'
import {
  attachPresence,
  wantsWebSocket,
  type PresenceLimits,
  type PresenceSocket,
} from './presence/socket.ts'

export interface LakeServerOptions extends Omit<LakeOptions, 'dataDir'> {
  dataDir: string
  /** 0 picks a free port. */
  port: number
  host?: string
  tls?: {key: string; cert: string} | false
  /** The presence sockets' caps (default LIMITS.presence). */
  presenceLimits?: Partial<PresenceLimits>
  /** The connections' caps and timeouts (default LIMITS.connections). */
  connectionLimits?: Partial<ConnectionLimits>
}

export type ConnectionLimits = {-readonly [K in keyof typeof LIMITS.connections]: number} & {
  /**
   * Node's `requestTimeout` on an HTTP/1.1 request: past it Node answers a bare 408 and closes the
   * connection. Default past the lake's own deadlines on a body (lake/server.ts).
   */
  requestMs: number
}

/** Node's own default `requestTimeout` (HTTP/1.1), kept as the least. */
const NODE_REQUEST_MS = 300_000

export interface LakeServer {
  /** e.g. `http://127.0.0.1:3334` (the host as given, the port as bound). */
  url: string
  port: number
  lake: Lake
  /** Who is where in the Studio (the presence WebSocket). */
  presence: PresenceSocket
  /**
   * Node's own timeouts on an HTTP/1.1 request (plain or the TLS fallback), as its server holds
   * them: receiving the whole request, and its headers.
   */
  nodeTimeouts: {requestMs: number; headersMs: number}
  /** Stops accepting, ends open connections (listeners' streams end first), closes the databases. */
  close(): Promise<void>
}

export async function startLakeServer(options: LakeServerOptions): Promise<LakeServer> {
  const {
    port,
    host = '127.0.0.1',
    tls = false,
    presenceLimits,
    connectionLimits,
    ...lakeOptions
  } = options
  const queryTimeoutMs = lakeOptions.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  const writeTimeoutMs = lakeOptions.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS
  const limits: ConnectionLimits = {
    ...LIMITS.connections,
    // The lake's own deadline on a body must come first, with its 408 saying which and how to
    // meet it: Node's fixed 300 s cut an upload the lake allowed (--write-timeout past 60 s
    // allows 5 × it) with a bare 408. Its clock starts with the request, the lake's once it reads
    // the body, so one write deadline more for what comes between (the caller, the route).
    requestMs:
      Math.max(
        NODE_REQUEST_MS,
        writeArrival(writeTimeoutMs, lakeOptions.bodyArrival).withinMs,
        queryTimeoutMs,
      ) + writeTimeoutMs,
    idleMs: Math.max(
      LIMITS.connections.idleMs,
      // A request waits on its query, or a large write being built, without traffic.
      2 * queryTimeoutMs,
      2 * writeTimeoutMs,
    ),
    ...connectionLimits,
  }
  const lake = await createLake(lakeOptions)
  let server: ServerType
  try {
    server = await listen(lake, port, host, tls, limits)
  } catch (err) {
    await lake.close()
    throw err
  }
  const presence = attachPresence(server, {
    tokens: lakeOptions.principals ?? lake.auth!.store,
    origins: corsOrigins(lakeOptions.corsOrigins, lakeOptions.env),
    // The default dataset is listed before its first write (routes/projects.ts), so it is known.
    datasetExists: (name) => name === LOCAL_LAKE.dataset || lake.context.stores.exists(name),
    limits: presenceLimits,
  })
  // A revoked token's sockets are closed at once, not at their next message: a socket that only
  // listens would otherwise keep hearing who edits what.
  const stopWatching =
    lake.auth && !lakeOptions.principals
      ? watchRevocations(lake.auth.store, presence.hub)
      : () => {}
  // A deleted dataset's presence ends with it, as its listeners do (lake/datasets/deletion.ts).
  const stopHearingDeletes = lake.onDatasetDeleted((dataset, reason) =>
    presence.hub.endDataset(dataset, reason),
  )
  boundConnections(server, limits)
  answerMalformedRequests(server)
  answerConnects(server)
  const sockets = new Set<Socket>()
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const bound = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host
  let closing: Promise<void> | null = null
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${bound}`,
    port: bound,
    lake,
    presence,
    nodeTimeouts: {
      requestMs: (server as {requestTimeout?: number}).requestTimeout ?? 0,
      headersMs: (server as {headersTimeout?: number}).headersTimeout ?? 0,
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        stopWatching()
        stopHearingDeletes()
        presence.close()
        // Closing the lake ends the listeners' streams and finishes the queued writes; their
        // answers go out before the sockets do. Destroying them 50 ms in (as before) dropped the
        // answers of writes it then applied: their clients saw "socket hang up" for saved writes.
        const closingLake = lake.close()
        await closingLake.catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 50))
        for (const socket of sockets) socket.destroy()
        await Promise.all([stopped, closingLake])
      })()
      return closing
    },
  }
}

/**
 * Each connection holds a file descriptor: past the lake's or an address's cap a new one displaces
 * one holding no request, or is closed at once (http/connectionSlots.ts), and one that stays
 * silent (no request, no TLS handshake) is closed after a while.
 */
function boundConnections(server: ServerType, limits: ConnectionLimits): void {
  capConnections(server, limits)
  // HTTP/1.1 sockets and HTTP/2 sessions without traffic this long are destroyed.
  server.setTimeout(limits.idleMs)
  // Between two requests of an HTTP/1.1 connection as well. Node's default, 5 s, closed the
  // connection under a client that was busy for 5 s (a loaded machine, a long GC): its next
  // request went out on the closed connection and failed with "socket hang up", a mutation
  // unsent that @sanity/client does not retry (soak finding). Clients read the `Keep-Alive:
  // timeout` hint, so they still close idle connections first.
  ;(server as {keepAliveTimeout?: number}).keepAliveTimeout = limits.idleMs
}

/**
 * A request Node's HTTP/1.1 parser refuses (a URL past 16 KiB, a malformed Content-Length) gets
 * the lake's JSON error body (errors.ts) instead of Node's bare status line. With an answer under
 * way it depends on whose bytes failed: a request whose body was still arriving (a chunked body's
 * framing broken) is answered with the 400 as soon as it is the request answered (at once, or
 * after the answers of whole requests pipelined before it), as nothing of it can be read or done;
 * bytes after whole requests (a body longer than its Content-Length reads as the next request)
 * get it once those requests are answered. Both were a connection closed with no answer: a write stored
 * with its answer lost, a refusal the client could not tell from a dropped connection. An answer
 * already begun is cut off as before (nothing may be written into it).
 */
function answerMalformedRequests(server: ServerType): void {
  /** Sockets whose parser failed and that are answered: a parser in error fails each read again. */
  const failed = new WeakSet<Duplex>()
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (failed.has(socket)) return
    const answering = (socket as {_httpMessage?: ServerResponse | null})._httpMessage
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy(err)
    const refuse = () => {
      socket.end(malformedRequestAnswer(err))
      // Not left open for a client that never reads.
      setTimeout(() => socket.destroy(), 1000).unref()
    }
    if (!answering) return refuse()
    if (answering.headersSent) return void socket.destroy(err)
    failed.add(socket)
    // Nothing more is read from a client whose bytes make no request.
    socket.pause()
    // The whole requests before the failure are answered first, in order, then the 400. A request
    // whose body never ends (the failure was in it) gets the 400 as soon as it is the one answered,
    // pipelined behind others or not: waiting for its own answer was the body arrival's 408, ten
    // seconds later, saying the body came too slowly.
    const afterAnswers = () => {
      const next = (socket as {_httpMessage?: ServerResponse | null})._httpMessage
      if (socket.destroyed) return
      if (!next) return refuse()
      if (!next.req.complete) return next.headersSent ? void socket.destroy(err) : refuse()
      next.once('close', () => setImmediate(afterAnswers))
    }
    afterAnswers()
  })
}

/**
 * A CONNECT is answered with a 405 that says the lake is no proxy (connectAnswer): over HTTP/1.1
 * Node closed the connection with no answer, over HTTP/2 it sent a bare 405.
 */
function answerConnects(server: ServerType): void {
  server.on('connect', (request: IncomingMessage | Http2ServerRequest, second: unknown) => {
    const {status, headers, body} = connectAnswer()
    if (second instanceof Http2ServerResponse) {
      second.writeHead(status, headers)
      second.end(body)
      return
    }
    const socket = second as Duplex
    socket.on('error', () => socket.destroy())
    const head = Object.entries({...headers, 'content-length': String(Buffer.byteLength(body))})
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}connection: close\r\n\r\n${body}`,
    )
    // Not left open for a client that never reads.
    setTimeout(() => socket.destroy(), 1000).unref()
  })
}

/**
 * @hono/node-server's listener (as its `serve` makes it) for `lake`, whose refusal of a request it
 * can make no URL of (a Host header of no host, a backslash in the path) is the lake's JSON 400
 * naming what to send (unroutableRequestAnswer), not its bare 400 with no body. Its error handler
 * is called while the listener's call runs, before any await, so the request in hand is that one.
 */
function requestListener(lake: Lake, hostname: string, tls: boolean) {
  let current: IncomingMessage | Http2ServerRequest | null = null
  // Without TLS on a loopback address, loopback Host names only (http/hostNames.ts).
  const fetch: Lake['fetch'] = tls
    ? lake.fetch
    : (request, env) => {
        const refused = refusedHost(request, hostname)
        return refused ? Promise.resolve(errorResponse(refused)) : lake.fetch(request, env)
      }
  const listener = getRequestListener(fetch, {
    hostname,
    errorHandler: (err) =>
      unroutableRequestAnswer(
        err,
        current && {
          host: current instanceof Http2ServerRequest ? current.authority : current.headers.host,
          target: current.url,
        },
      ),
  })
  const dispatch = (incoming: NodeRequest, outgoing: NodeResponse) => {
    current = incoming
    try {
      return listener(incoming, outgoing)
    } finally {
      current = null
    }
  }
  // An HTTP/2 request's route begins on the loop's next turn, after the frames read with its
  // HEADERS: a stream reset in the same write ("rapid reset", docs/security.md) is closed by then
  // and costs no route (its query parsed and planned), where each had been taken in hand before
  // nghttp2 read its RST_STREAM. HTTP/1.1 requests are dispatched at once: a refusal before the
  // body arrived closes the connection (nodeRequest.ts endUnreadBody), which a turn's wait changed.
  return (incoming: NodeRequest, outgoing: NodeResponse) => {
    if (!(incoming instanceof Http2ServerRequest)) return dispatch(incoming, outgoing)
    setImmediate(() => {
      // Reset (or its session gone) while it waited: no answer can reach anyone.
      if (!incoming.stream.closed && !incoming.stream.destroyed) void dispatch(incoming, outgoing)
    })
  }
}

type NodeRequest = IncomingMessage | Http2ServerRequest
type NodeResponse = ServerResponse | Http2ServerResponse

/**
 * `Expect` (HTTP/1.1's, and HTTP/2's, which Node handles alike; an HTTP/1.0 one Node ignores).
 * For `100-continue` Node answered "100 Continue" itself before the lake saw the request, so a
 * client sent a whole body (curl sends the header past 1 MB) that the lake then refused from its
 * headers alone: too large, no token or a revoked one, a role that may not write, a dataset name
 * that is none. Now the 100 goes out when the lake begins to read the body (continueOnRead), so
 * every refusal the lake makes before reading is answered at once, by the same code and in the
 * same words; over HTTP/1.1 Node then closes the connection (an answer without the 100), as the
 * body never came and cannot be told from a next request. Any other expectation is the lake's
 * JSON 417 (Node's had no body).
 */
function answerExpectations(
  server: ServerType,
  listener: (req: NodeRequest, res: NodeResponse) => unknown,
) {
  server.on('checkContinue', (incoming: NodeRequest, outgoing: NodeResponse) => {
    continueOnRead(incoming, outgoing)
    return listener(incoming, outgoing)
  })
  server.on('checkExpectation', (incoming: NodeRequest, outgoing: NodeResponse) => {
    void refuseExpectation(incoming, outgoing)
  })
}

/**
 * "100 Continue" the first time anything reads the request's body (every read of a Node stream
 * goes through its `_read`: the lake's own readers, a Request made from it, the adapter's drain),
 * unless the answer has begun or the body is here already. A request declaring no body over
 * HTTP/1.1 has nothing to wait for: it gets the 100 at once, as from Node, and keeps its
 * connection.
 */
function continueOnRead(incoming: NodeRequest, outgoing: NodeResponse): void {
  if (incoming instanceof IncomingMessage && !declaresBody(incoming)) {
    return void outgoing.writeContinue()
  }
  const read = incoming._read
  incoming._read = function (size: number) {
    incoming._read = read
    if (!outgoing.headersSent && !outgoing.writableEnded && !incoming.complete) {
      outgoing.writeContinue()
    }
    return read.call(this, size)
  }
}

function declaresBody(incoming: IncomingMessage): boolean {
  const {headers} = incoming
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0
}

/** The 417, its unread body ended with it (as nodeRequest.ts's endUnreadBody does for a refusal). */
async function refuseExpectation(incoming: NodeRequest, outgoing: NodeResponse): Promise<void> {
  const answer = expectationFailedAnswer(String(incoming.headers.expect ?? ''))
  const headers = Object.fromEntries(answer.headers)
  if (incoming instanceof IncomingMessage) headers.connection = 'close'
  else outgoing.once('finish', () => incoming.stream.close(http2Constants.NGHTTP2_NO_ERROR))
  const body = Buffer.from(await answer.arrayBuffer())
  // Either kind's writeHead takes these; TypeScript cannot call the union's.
  ;(outgoing as ServerResponse).writeHead(answer.status, {
    ...headers,
    'content-length': String(body.length),
  })
  outgoing.end(body)
}

/**
 * Request headers over HTTP/1.1, the URL included: HTTP/2's bound (nghttp2's 64 KiB) rather than
 * Node's 16 KiB, so that @sanity/client from Node (HTTP/1.1) gets the documented 1,000 ids of
 * `getDocuments` (37 KB of URL) as a browser over HTTP/2 does.
 */
export const HTTP1_MAX_HEADER_BYTES = 64 * 1024

function secureOptions(tls: {key: string; cert: string}, limits: ConnectionLimits) {
  return {
    key: tls.key,
    cert: tls.cert,
    allowHTTP1: true,
    handshakeTimeout: limits.tlsHandshakeMs,
    // nghttp2 would drop a header value with edge whitespace unseen (`Bearer ` made the caller
    // anonymous); let it through, trimmed as HTTP/1.1 does, to be judged the same.
    strictFieldWhitespaceValidation: false,
    // For the HTTP/1.1 fallback's requests.
    requestTimeout: limits.requestMs,
    maxHeaderSize: HTTP1_MAX_HEADER_BYTES,
    // Streams one HTTP/2 session may have open at once; nghttp2 refuses more (REFUSED_STREAM)
    // before the lake does any work, and clients queue them (Node's, browsers'). Node's default
    // has no bound: one session's 20,000 streams were all taken in hand at once. Hosted Sanity's
    // API takes 100, nginx 128; a Studio's listeners are at most 100 a caller.
    settings: {maxConcurrentStreams: limits.streamsPerSession},
    // Node's own bound on a client's stream resets (nghttp2's), said here (LIMITS.connections).
    streamResetBurst: limits.streamResetBurst,
    streamResetRate: limits.streamResetsPerSecond,
    // Header fields of one request, as HTTP/1.1's 2,000 (Node's maxHeadersCount). Node's default,
    // 128, reset a stream past it unanswered, and browsers send each cookie as a field of its
    // own over HTTP/2 (every local port's cookies for localhost). nghttp2's 64 KiB, 32 bytes a
    // field, still bounds them.
    maxHeaderListPairs: 2000,
  }
}

function listen(
  lake: Lake,
  port: number,
  hostname: string,
  tls: {key: string; cert: string} | false,
  limits: ConnectionLimits,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const listener = requestListener(lake, hostname, tls !== false)
    const server: ServerType = tls
      ? createSecureServer(secureOptions(tls, limits), listener)
      : createServer(
          {
            requestTimeout: limits.requestMs,
            maxHeaderSize: HTTP1_MAX_HEADER_BYTES,
            shouldUpgradeCallback: wantsWebSocket,
          },
          listener,
        )
    // Only WebSocket upgrades go to the presence socket's 'upgrade' listener; others are served
    // (wantsWebSocket). The secure server's HTTP/1.1 fallback reads the server's own property.
    if (tls) Object.assign(server, {shouldUpgradeCallback: wantsWebSocket})
    answerExpectations(server, listener)
    server.listen(port, hostname)
    if (tls) {
      // A stream its client reset while the answer was unfinished can take no more of it. Node
      // destroys such a stream for every code but NO_ERROR; for NO_ERROR it waits for the answer
      // to finish, which a stalled write never does, so the response never closed: its answer
      // stayed held in the answer budget and its query ran on until the connection ended.
      server.on('stream', (stream: ServerHttp2Stream) => {
        stream.once('aborted', () => stream.destroy())
      })
    }
    server.once('listening', () => resolve(server))
    server.once('error', reject)
  })
}

/**
 * The presence socket on the lake's server: WebSocket upgrades of `GET /v<version>/socket/<dataset>`
 * (HTTP/1.1; browsers open WebSockets on their own HTTP/1.1 connection even when the rest of the
 * Studio talks HTTP/2) handed to the presence hub. Browsers must come from an allowed Studio origin.
 *
 * Each socket holds a file descriptor for as long as it is open, so they are bounded before the
 * upgrade (a 404 for a dataset that does not exist, a 429 past the caps) and a socket must sign in
 * within a deadline: the Studio sends `authorization` as soon as the socket opens.
 *
 * What a socket may cost once open is bounded too: the frames it sends (size, and a rate past
 * which the lake stops reading it), and the bytes sent to it that its reader has not taken (a
 * reader that stops reading is dropped, as a listener is: lake/listen/stream.ts).
 */
import type {ServerType} from '@hono/node-server'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import {WebSocketServer, type WebSocket} from 'ws'
import {LIMITS} from '../core/limits.ts'
import {createUnreadBudget, type UnreadReader} from '../core/unreadBudget.ts'
import {normalizeOrigin} from '../http/cors.ts'
import {CLOSE_UNAUTHORIZED, createPresenceHub, type PresenceHub, type TokenResolver} from './hub.ts'

/** `/v2022-06-30/socket/production` → `production`. */
const SOCKET_PATH = /^\/v[^/]+\/socket\/([A-Za-z0-9_-]{1,64})\/?$/
/** The heartbeat bifur expects between messages; it keeps idle proxies from closing the socket. */
const HEARTBEAT = '\u2665'
const HEARTBEAT_MS = 20_000

export interface PresenceSocketOptions {
  tokens: TokenResolver
  /** Origins allowed to open the socket from a browser (the lake's CORS origins). */
  origins: readonly string[]
  /** Whether a dataset exists: presence in one that does not is a 404, as a made-up name costs a socket. */
  datasetExists(name: string): boolean
  /** The caps (default LIMITS.presence). */
  limits?: Partial<PresenceLimits>
}

export interface PresenceLimits {
  /** Open sockets per user or token; before signing in, per client address. */
  perHolder: number
  /** Open sockets in the whole lake. */
  total: number
  /** Time a socket has to sign in (`authorization`, or a token in the upgrade request's header). */
  signInMs: number
  /** Largest frame a socket may send; past it the socket is closed (1009). */
  frameBytes: number
  /**
   * Bytes sent and not yet taken by the reader: past `perSocket` the socket is dropped; past
   * `perHolder` (a user's or token's sockets) or `total`, the holder's (or the lake's) socket with
   * the most unread is dropped, until within.
   */
  unreadBytes: {perSocket: number; perHolder: number; total: number}
  /** Messages a socket may send at once, then per second: past them it is read no further until it may. */
  messagesBurst: number
  messagesPerSecond: number
  /** The same for all the sockets of one holder together. */
  holderMessagesBurst: number
  holderMessagesPerSecond: number
}

export interface PresenceSocket {
  hub: PresenceHub
  /** Sockets open now (and upgrades under way). */
  open(): number
  /** Sockets dropped because their readers did not take what was sent (for tests, diagnostics). */
  dropped(): number
  close(): void
}

/** Messages one may send now (a token bucket). */
interface Bucket {
  credit: number
  at: number
}

const newBucket = (burst: number): Bucket => ({credit: burst, at: performance.now()})

/** Refills `bucket` up to `now`; the milliseconds until it holds `credit` (0: it does). */
function waitFor(
  bucket: Bucket,
  now: number,
  burst: number,
  perSecond: number,
  credit = 1,
): number {
  bucket.credit = Math.min(burst, bucket.credit + ((now - bucket.at) * perSecond) / 1000)
  bucket.at = now
  return bucket.credit >= credit ? 0 : Math.ceil(((credit - bucket.credit) * 1000) / perSecond)
}

/**
 * Whether Node should hand a request with an Upgrade header to the 'upgrade' listener (the
 * presence socket's) rather than serve it: WebSocket upgrades only. Others are served as they are,
 * their Upgrade ignored (RFC 9110 7.8): `curl --http2 http://…` offers `Upgrade: h2c` on every
 * request, and each was a 404 "No WebSocket endpoint", its write not done.
 */
export function wantsWebSocket(request: IncomingMessage): boolean {
  return (
    request.headers.upgrade
      ?.split(',')
      .some((protocol) => protocol.trim().toLowerCase().startsWith('websocket')) ?? false
  )
}

/** Answers WebSocket upgrades on `server`; those at a path of no socket get a 404 and are closed. */
export function attachPresence(server: ServerType, options: PresenceSocketOptions): PresenceSocket {
  const hub = createPresenceHub(options.tokens)
  const allowed = new Set(options.origins.map((origin) => normalizeOrigin(origin)))
  const limits: PresenceLimits = {...LIMITS.presence, ...options.limits}
  const sockets = new WebSocketServer({noServer: true, maxPayload: limits.frameBytes})
  const budget = createUnreadBudget<UnreadReader>('presence sockets')
  let dropped = 0
  /** Open sockets (and upgrades under way) per holder: a principal's id, or anonymous@address. */
  const held = new Map<string, number>()
  let open = 0
  const hold = (holder: string) => held.set(holder, (held.get(holder) ?? 0) + 1)
  const release = (holder: string) => {
    const left = (held.get(holder) ?? 0) - 1
    if (left > 0) return void held.set(holder, left)
    held.delete(holder)
    const bucket = buckets.get(holder)
    // Kept until it is full again: a holder that closed its sockets and opened new ones at once
    // had a new burst each time, past its rate.
    const forget = () => {
      if (!bucket || held.has(holder) || buckets.get(holder) !== bucket) return
      const full = waitFor(
        bucket,
        performance.now(),
        limits.holderMessagesBurst,
        limits.holderMessagesPerSecond,
        limits.holderMessagesBurst,
      )
      if (full === 0) buckets.delete(holder)
      else setTimeout(forget, full).unref()
    }
    forget()
  }
  /** Message credit shared by a holder's sockets, kept while it holds one and until it refills. */
  const buckets = new Map<string, Bucket>()
  const holderBucket = (holder: string) => {
    let bucket = buckets.get(holder)
    if (!bucket) buckets.set(holder, (bucket = newBucket(limits.holderMessagesBurst)))
    return bucket
  }

  const refuse = (socket: Duplex, status: string, message: string, extra = '') => {
    // `error` is the reason phrase, as in every other answer of the lake.
    const body = JSON.stringify({
      statusCode: Number.parseInt(status),
      error: status.replace(/^\d+ /, ''),
      message,
    })
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
    )
  }
  const tooMany = (socket: Duplex, message: string) =>
    refuse(socket, '429 Too Many Requests', message, 'Retry-After: 10\r\n')

  // A throw in Node's 'upgrade' event is an uncaught exception, the end of the lake's process:
  // one request of anyone's.
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    try {
      upgrade(request, socket, head)
    } catch (err) {
      console.error(`lake: the presence socket's upgrade failed: ${(err as Error).stack ?? err}`)
      refuse(socket, '500 Internal Server Error', 'The presence socket could not be opened')
    }
  })

  function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    let path: string
    try {
      path = new URL(request.url ?? '/', 'http://lake').pathname
    } catch {
      return refuse(socket, '400 Bad Request', `The request's target ${request.url} is no URL`)
    }
    const match = SOCKET_PATH.exec(path)
    if (!match) return refuse(socket, '404 Not Found', `No WebSocket endpoint at ${path}`)
    const origin = request.headers.origin
    if (origin !== undefined && !allowed.has(normalizeOrigin(origin))) {
      return refuse(
        socket,
        '403 Forbidden',
        `Origin ${origin} may not open the presence socket: add it with --cors-origin or LAKE_CORS_ORIGINS`,
      )
    }
    const dataset = match[1]
    if (!options.datasetExists(dataset)) {
      return refuse(socket, '404 Not Found', `Dataset "${dataset}" not found`)
    }
    if (open >= limits.total) {
      return tooMany(
        socket,
        `The lake holds ${limits.total} presence sockets, its most; try again when some close`,
      )
    }
    // Who the socket counts against until it signs in: its address, as anonymous listeners.
    const holder = `anonymous@${request.socket.remoteAddress ?? ''}`
    if ((held.get(holder) ?? 0) >= limits.perHolder) {
      return tooMany(
        socket,
        `At most ${limits.perHolder} presence sockets per user, token or anonymous address; close some`,
      )
    }
    open++
    hold(holder)
    let upgraded = false
    socket.once('close', () => {
      if (upgraded) return
      open--
      release(holder)
    })
    sockets.handleUpgrade(request, socket, head, (ws) => {
      upgraded = true
      accept(ws, dataset, request, holder)
    })
  }

  function accept(ws: WebSocket, dataset: string, request: IncomingMessage, anonymous: string) {
    let holder = anonymous
    // A token in the upgrade request (non-browser clients); the Studio sends it as a message.
    const header = request.headers.authorization
    const token = header ? (/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null) : null
    let signed = false
    // The last message handed to the hub: its calls are answered in turn, so once it is, so is
    // every one before it.
    let received: Promise<unknown> = Promise.resolve()
    // Judged after the event loop's next poll for input and once what arrived by then is handled,
    // not by the timer alone: a loop held past the deadline runs its timers before it reads a
    // sign-in sent in time, and the sign-in's token is checked asynchronously.
    const deadline = setTimeout(
      () =>
        setImmediate(() =>
          received.finally(() => {
            if (signed || ws.readyState !== ws.OPEN) return
            ws.close(
              CLOSE_UNAUTHORIZED,
              `Not signed in within ${limits.signInMs / 1000} s: call "authorization" with the session token`,
            )
          }),
        ),
      limits.signInMs,
    )
    const reader: UnreadReader = {
      get holder() {
        return holder
      },
      unread: () => ws.bufferedAmount,
      // A reader this far behind would not read a close frame either: the connection goes at once
      // (the client sees 1006; the Studio's connection store reconnects with a back-off).
      drop: () => {
        dropped++
        ws.terminate()
      },
    }
    budget.add(reader)
    const connection = hub.connect(
      dataset,
      {
        send: (text) => {
          if (ws.readyState !== ws.OPEN) return
          const unread = ws.bufferedAmount
          const bytes = Buffer.byteLength(text)
          // One message larger than the limit may go out to a reader that has taken everything.
          if (unread > 0 && unread + bytes > limits.unreadBytes.perSocket) {
            budget.delete(reader)
            return reader.drop(`more than ${limits.unreadBytes.perSocket} bytes unread`)
          }
          ws.send(text)
          budget.sent(reader, bytes, limits.unreadBytes)
        },
        close: (code, reason) => ws.close(code, reason),
        signedIn: (principal) => {
          signed = true
          clearTimeout(deadline)
          if (principal.id === holder) return null
          if ((held.get(principal.id) ?? 0) >= limits.perHolder) {
            return `At most ${limits.perHolder} presence sockets per user or token; close some`
          }
          release(holder)
          hold((holder = principal.id))
          return null
        },
      },
      token,
    )
    const heartbeat = setInterval(
      () => ws.readyState === ws.OPEN && ws.send(HEARTBEAT),
      HEARTBEAT_MS,
    )
    // Messages are handled at most `messagesPerSecond` after a burst (the Studio sends a few a
    // second at most), and the sockets of one holder together at most `holderMessagesPerSecond`
    // (each message of one may go to every subscriber): past either the socket is paused, so TCP
    // holds the sender back, and what ws had already read waits here.
    const own = newBucket(limits.messagesBurst)
    const waiting: string[] = []
    let refill: NodeJS.Timeout | undefined
    const handle = () => {
      refill = undefined
      while (waiting.length > 0) {
        const now = performance.now()
        const shared = holderBucket(holder)
        const wait = Math.max(
          waitFor(own, now, limits.messagesBurst, limits.messagesPerSecond),
          waitFor(shared, now, limits.holderMessagesBurst, limits.holderMessagesPerSecond),
        )
        if (wait > 0) {
          if (!ws.isPaused) ws.pause()
          refill = setTimeout(handle, wait)
          return
        }
        own.credit--
        shared.credit--
        received = connection
          .receive(waiting.shift()!)
          .catch(() => ws.close(1011, 'Presence failed'))
      }
      if (ws.isPaused) ws.resume()
    }
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(4000, 'Send JSON-RPC as text frames')
      waiting.push(String(data))
      if (!refill) handle()
    })
    ws.on('close', () => {
      clearInterval(heartbeat)
      clearTimeout(deadline)
      clearTimeout(refill)
      waiting.length = 0
      budget.delete(reader)
      open--
      release(holder)
      connection.closed()
    })
    ws.on('error', () => ws.terminate())
  }

  return {
    hub,
    open: () => open,
    dropped: () => dropped,
    close() {
      hub.close()
      sockets.close()
    },
  }
}

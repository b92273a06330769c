/**
 * `GET /v{ver}/data/live/events/{dataset}`: the Live Content API. Server-Sent Events carrying the
 * sync tags of query answers that changed (see lake/live/syncTags.ts), as hosted Sanity's contract:
 * `welcome` on connect; `message` events with an `id` and `{tags}`; a `Last-Event-ID` header resumes
 * after that message, or starts with `restart` when the position is unknown (another lake run,
 * older than the kept history). Without `includeDrafts` no authentication is needed: tags are opaque
 * and only published answers are announced. `includeDrafts=true` needs a token that may read drafts.
 */
import {Hono, type Context} from 'hono'
import {NotAcceptableError, PermissionError, TooManyRequestsError} from '../../core/errors.ts'
import {can} from '../../core/grants.ts'
import {sse} from '../../listen/stream.ts'
import type {LiveMessage} from '../../live/liveEvents.ts'
import {authenticationRequired} from '../../core/access.ts'
import {LIMITS} from '../../core/limits.ts'
import {flag, lakeOf} from '../context.ts'
import {getPrincipal, streamHolder} from '../principal.ts'

const PATH = '/:version{v[^/]+}/data/live/events/:dataset'
const KEEP_ALIVE_MS = 15_000
/** Unread bytes after which a subscriber that stopped reading is dropped. */
const MAX_QUEUED_BYTES = 1024 * 1024
const encoder = new TextEncoder()

export const liveRoutes = new Hono()

liveRoutes.get(PATH, (c) => {
  // Validates the name (400) before anything streams.
  const dataset = lakeOf(c).dataset(c.req.param('dataset') ?? '').name
  const accept = c.req.header('accept')
  if (accept && !/text\/event-stream|\*\/\*/.test(accept)) {
    throw new NotAcceptableError('The live events API answers with "Accept: text/event-stream"')
  }
  const includeDrafts = flag(c, 'includeDrafts')
  if (includeDrafts) requireDraftReader(c)
  const lastEventId = c.req.header('last-event-id') ?? null
  const release = holdStream(c)
  return new Response(openStream(c, dataset, includeDrafts, lastEventId, release), {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
    },
  })
})

function requireDraftReader(c: Context): void {
  const principal = getPrincipal(c)
  if (principal.kind === 'anonymous') throw authenticationRequired()
  if (!can(principal, 'read', 'drafts.live-probe')) {
    throw new PermissionError('"includeDrafts" needs a token that may read drafts')
  }
}

/** Open live streams per lake and holder. */
const held = new WeakMap<object, Map<string, number>>()

/**
 * Counts one more open stream for the caller, or refuses it (429) past
 * LIMITS.listenersPerPrincipal, so that no one caller holds the lake's sockets and buffers for
 * everyone. Returns the release, to call once when the stream ends.
 */
function holdStream(c: Context): () => void {
  const holder = streamHolder(c)
  const live = lakeOf(c).live
  let counts = held.get(live)
  if (!counts) held.set(live, (counts = new Map()))
  const open = counts.get(holder) ?? 0
  if (open >= LIMITS.listenersPerPrincipal) {
    throw new TooManyRequestsError(
      `At most ${LIMITS.listenersPerPrincipal} open live event streams per user, token or anonymous address; close some`,
    )
  }
  counts.set(holder, open + 1)
  let released = false
  return () => {
    if (released) return
    released = true
    const left = counts.get(holder)! - 1
    if (left === 0) counts.delete(holder)
    else counts.set(holder, left)
  }
}

function openStream(
  c: Context,
  dataset: string,
  includeDrafts: boolean,
  lastEventId: string | null,
  release: () => void,
): ReadableStream<Uint8Array> {
  const live = lakeOf(c).live
  let stop = () => {}
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false
        const send = (text: string) => {
          if (closed) return
          if ((controller.desiredSize ?? 0) <= 0) {
            // A client that reads nothing must not grow the lake's memory; it reconnects and
            // resumes from its last event id.
            stop()
            controller.error(new Error(`lake: live subscriber on "${dataset}" stopped reading`))
            return
          }
          controller.enqueue(encoder.encode(text))
        }
        const message = (m: LiveMessage) => send(sse('message', {tags: m.tags}, m.id))
        // A revoked token's stream (lake/auth/revocation.ts): `disconnect`, which the client
        // reports as an error rather than reconnecting.
        const end = (reason: string) => {
          send(sse('disconnect', {reason}))
          if (closed) return // send() found it unread and ended it
          stop()
          controller.close()
        }
        const subscriber = {includeDrafts, send: message, principal: getPrincipal(c), end}
        let subscription
        try {
          subscription = live.subscribe(dataset, subscriber, lastEventId)
        } catch (err) {
          release()
          throw err
        }
        const {resume, history, unsubscribe} = subscription
        const keepAlive = setInterval(() => send(':\n\n'), KEEP_ALIVE_MS)
        keepAlive.unref?.()
        stop = () => {
          if (closed) return
          closed = true
          clearInterval(keepAlive)
          unsubscribe()
          release()
        }
        send(sse('welcome', {}))
        if (resume.kind === 'restart') send(sse('restart', {}, live.latestId(dataset)))
        if (resume.kind === 'after') {
          for (const m of history.slice(resume.index + 1)) {
            if (m.tagClass === 'drafts' && !includeDrafts) continue
            message(m)
          }
        }
      },
      cancel() {
        stop()
      },
    },
    {highWaterMark: MAX_QUEUED_BYTES, size: (chunk) => chunk.byteLength},
  )
}

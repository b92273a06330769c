/**
 * Presence: who is where in the Studio. Speaks the Studio's presence protocol (JSON-RPC 2.0 over
 * the bifur socket, as `@sanity/bifur-client` and the Studio's presence store use it):
 *
 * - `authorization {authorization: 'Bearer …'}`: the token the Studio signed in with;
 * - `presence_subscribe` → a subscription id; events arrive as `presence_subscription` messages;
 * - `presence_rollcall {session}`, `presence_announce {data: {sessionId, locations}}`,
 *   `presence_disconnect {session}` → events `rollCall`, `state` and `disconnect` for everyone else
 *   in the dataset; `presence_unsubscribe {subscriptionId}`.
 *
 * Every request re-checks the caller's token, so a signed-out or revoked session is closed at its
 * next message; each listener only hears of documents its grants let it read. No I/O here: the
 * transport (lake/presence/socket.ts) hands in text and a way to send text back.
 */
import {can, type Principal} from '../core/grants.ts'
import {TooManyRequestsError} from '../core/errors.ts'
import {LIMITS, nestsDeeperThan} from '../core/limits.ts'

/** What the hub needs to know about tokens (the lake's auth store fits). */
export interface TokenResolver {
  principalForToken(token: string): Promise<Principal | null>
}

/** One socket as the hub sees it. */
export interface PresencePeer {
  send(text: string): void
  /** Closes the socket with a WebSocket close code (4001 unauthorized, 4000 bad request). */
  close(code: number, reason: string): void
  /**
   * The socket's caller is known now (its first valid token): null lets it in, a reason closes it
   * (1008): the transport counts sockets per user or token.
   */
  signedIn?(principal: Principal): string | null
}

export interface PresenceConnection {
  /** One text frame from the peer. */
  receive(text: string): Promise<void>
  /** The socket closed: the peer's sessions are announced as gone. */
  closed(): void
}

export interface PresenceHub {
  connect(dataset: string, peer: PresencePeer, token?: string | null): PresenceConnection
  /**
   * Closes (4001) the sockets of every principal `ended` gives a reason for: a revoked token, a
   * signed-out session, a removed user (lake/auth/revocation.ts). Returns how many.
   */
  endWhere(ended: (principal: Principal) => string | null): number
  /**
   * Closes (1001) every socket of a deleted dataset, its sessions with them: final, as its
   * listeners end (a reconnect finds no dataset, or a new one of that name). Returns how many.
   */
  endDataset(dataset: string, reason: string): number
  /** Sessions currently known in a dataset (for tests and diagnostics). */
  sessions(dataset: string): {sessionId: string; userId: string}[]
  close(): void
}

/** bifur's close and error codes. */
export const CLOSE_UNAUTHORIZED = 4001
export const CLOSE_BAD_REQUEST = 4000
/** WebSocket's policy violation: too many sockets for one user or token. */
export const CLOSE_POLICY = 1008
const INVALID_REQUEST = -32600
const METHOD_NOT_FOUND = -32601
const INVALID_PARAMS = -32602
const PARSE_ERROR = -32700
/** JSON-RPC's range for server errors: the token could not be checked now (try again). */
const SERVER_BUSY = -32000
const BUSY = Symbol('busy')

/** Generous limits: the Studio reports one location (the form it shows) with a short path. */
const MAX_LOCATIONS = 50
/**
 * Sessions and subscriptions one connection may hold (a Studio tab holds one of each). Without a
 * bound one signed-in socket announcing made-up session ids held 82 MB of heap for 5,000, and every
 * newcomer was sent all of them. Each subscription is sent its own copy of every event.
 */
export const MAX_SESSIONS_PER_CONNECTION = 16
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 4
const MAX_ID_LENGTH = 200
/** Arrays and objects nested in a location's path and selection (a field path is a few levels). */
const MAX_LOCATION_DEPTH = 32
const {stateBytes: MAX_STATE_BYTES, heldStateBytes: MAX_HELD_STATE_BYTES} = LIMITS.presence

interface PresenceEvent {
  type: 'rollCall' | 'state' | 'disconnect'
  /** The user id. */
  i: string
  session?: string
  m?: {sessionId?: string; session?: string; locations?: Location[]}
}

interface Location {
  type?: string
  documentId?: string
  path?: unknown[]
  lastActiveAt?: string
  selection?: unknown
}

interface Member {
  peer: PresencePeer
  token: string | null
  principal: Principal | null
  subscriptions: Set<string>
  /** Sessions this socket announced, with the last state of each and its size as JSON. */
  states: Map<string, {locations: Location[]; bytes: number}>
  /** Closes the socket and announces its sessions as gone. */
  end(code: number, reason: string): void
}

interface Request {
  jsonrpc?: unknown
  method?: unknown
  params?: Record<string, unknown>
  id?: unknown
}

export function createPresenceHub(tokens: TokenResolver): PresenceHub {
  const channels = new Map<string, Set<Member>>()
  let subscriptionCount = 0

  const channel = (dataset: string) => {
    let members = channels.get(dataset)
    if (!members) channels.set(dataset, (members = new Set()))
    return members
  }

  /**
   * Sends an event to every subscription in the dataset, each seeing only what it may read. The
   * event is serialised once for all who may see all of it: a state goes to every subscriber.
   */
  function broadcast(dataset: string, event: PresenceEvent) {
    const whole = JSON.stringify(event)
    for (const member of channel(dataset)) deliver(member, event, whole)
  }

  function deliver(member: Member, event: PresenceEvent, whole?: string) {
    if (!member.principal || member.subscriptions.size === 0) return
    const visible = visibleTo(member.principal, event)
    const result = visible === event && whole !== undefined ? whole : JSON.stringify(visible)
    for (const subscription of member.subscriptions) {
      member.peer.send(
        `{"jsonrpc":"2.0","method":"presence_subscription","params":{"subscription":${JSON.stringify(subscription)},"result":${result}}}`,
      )
    }
  }

  return {
    connect(dataset, peer, token = null) {
      const member: Member = {
        peer,
        token,
        principal: null,
        subscriptions: new Set(),
        states: new Map(),
        end(code, reason) {
          peer.close(code, reason)
          forget()
        },
      }
      channel(dataset).add(member)
      const reply = (id: unknown, result: unknown) =>
        peer.send(JSON.stringify({jsonrpc: '2.0', id, result}))
      const fail = (id: unknown, code: number, message: string) =>
        peer.send(JSON.stringify({jsonrpc: '2.0', id: id ?? null, error: {code, message}}))
      const unauthorized = (message: string) => {
        peer.close(CLOSE_UNAUTHORIZED, message)
        forget()
      }
      // Closed: what is still being handled (a token being checked) must not act for it.
      let gone = false
      const forget = () => {
        gone = true
        // get, not channel(): a deleted dataset's channel is gone and must not come back empty.
        const members = channels.get(dataset)
        if (!members?.delete(member)) return
        member.subscriptions.clear()
        for (const sessionId of member.states.keys()) {
          broadcast(dataset, {
            type: 'disconnect',
            i: member.principal?.id ?? '',
            m: {session: sessionId},
          })
        }
        member.states.clear()
        if (members.size === 0) channels.delete(dataset)
      }

      /** The caller of this request, checked again now: tokens expire and get revoked. */
      async function caller(): Promise<Principal | null> {
        if (!member.token) return null
        // A check that fails (refused for now, the store busy) throws on: the caller is told to
        // send the message again, not that it is signed out.
        const principal = await tokens.principalForToken(member.token)
        // A check that finished after the socket closed signs no one in: the transport would
        // hold a place for the user that its close had already given back.
        if (gone) return null
        // Someone else now, or no one: the session is over.
        if (!principal || (member.principal && principal.id !== member.principal.id)) return null
        if (!principal.role) return null
        const first = member.principal === null
        member.principal = principal
        const refused = first ? (peer.signedIn?.(principal) ?? null) : null
        if (refused !== null) {
          peer.close(CLOSE_POLICY, refused)
          forget()
          return null
        }
        return principal
      }

      /** caller(), or BUSY once request `id` was answered that the check failed for now. */
      async function callerOrBusy(id: unknown): Promise<Principal | null | typeof BUSY> {
        try {
          return await caller()
        } catch (err) {
          if (!gone) {
            const why = err instanceof TooManyRequestsError ? `${err.message}. ` : ''
            fail(
              id,
              SERVER_BUSY,
              `${why}The token could not be checked just now: send the request again`,
            )
          }
          return BUSY
        }
      }

      async function handle(text: string): Promise<void> {
        if (gone) return
        let request: Request
        try {
          request = JSON.parse(text) as Request
        } catch {
          return fail(null, PARSE_ERROR, 'Parse error: send JSON-RPC 2.0 messages')
        }
        if (!request || typeof request !== 'object' || typeof request.method !== 'string') {
          return fail(request?.id, INVALID_REQUEST, 'Invalid request: "method" must be a string')
        }
        const {id, method} = request
        const params = (request.params ?? {}) as Record<string, unknown>

        if (method === 'authorization') {
          const header = params.authorization
          const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
          if (!match) {
            return fail(id, INVALID_PARAMS, 'authorization must be "Bearer <token>"')
          }
          member.token = match[1]
          member.principal = null
          const checked = await callerOrBusy(id)
          if (checked === BUSY) return
          if (!checked) {
            return unauthorized('Session not found or token invalid, revoked or expired')
          }
          return reply(id, true)
        }

        if (!member.token) {
          return unauthorized('Not signed in: call "authorization" with the session token first')
        }
        const principal = await callerOrBusy(id)
        if (principal === BUSY) return
        if (!principal) {
          return unauthorized('Session not found or token invalid, revoked or expired')
        }

        switch (method) {
          case 'presence_subscribe': {
            if (member.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
              return fail(
                id,
                INVALID_PARAMS,
                `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} presence subscriptions per connection: unsubscribe one first`,
              )
            }
            const subscription = `presence-${++subscriptionCount}`
            member.subscriptions.add(subscription)
            reply(id, subscription)
            // Whoever is already here, so a newcomer need not wait for their next report.
            for (const other of channel(dataset)) {
              if (other === member || !other.principal) continue
              for (const [sessionId, {locations}] of other.states) {
                deliver(member, {type: 'state', i: other.principal.id, m: {sessionId, locations}})
              }
            }
            return
          }
          case 'presence_unsubscribe': {
            const subscription = params.subscriptionId
            if (typeof subscription !== 'string' || !member.subscriptions.delete(subscription)) {
              return fail(id, INVALID_PARAMS, 'Unknown subscriptionId')
            }
            return reply(id, true)
          }
          case 'presence_rollcall': {
            const session = sessionParam(params.session)
            if (!session) return fail(id, INVALID_PARAMS, 'presence_rollcall needs "session"')
            broadcast(dataset, {type: 'rollCall', i: principal.id, session})
            return reply(id, true)
          }
          case 'presence_announce': {
            const data = (params.data ?? {}) as {sessionId?: unknown; locations?: unknown}
            const sessionId = sessionParam(data.sessionId)
            const locations = locationsParam(data.locations)
            if (!sessionId || !locations) {
              return fail(
                id,
                INVALID_PARAMS,
                `presence_announce needs data.sessionId and data.locations (an array of at most ${MAX_LOCATIONS}, each with a documentId, its path and selection nested at most ${MAX_LOCATION_DEPTH} levels)`,
              )
            }
            const previous = member.states.get(sessionId)
            if (!previous && member.states.size >= MAX_SESSIONS_PER_CONNECTION) {
              return fail(
                id,
                INVALID_PARAMS,
                `At most ${MAX_SESSIONS_PER_CONNECTION} presence sessions per connection: send presence_disconnect for one first`,
              )
            }
            // What the lake holds for the session and sends every subscriber: a Studio's location
            // is well under 1 KiB.
            const bytes = Buffer.byteLength(JSON.stringify(locations))
            if (bytes > MAX_STATE_BYTES) {
              return fail(
                id,
                INVALID_PARAMS,
                `data.locations is ${bytes} bytes as JSON; at most ${MAX_STATE_BYTES}: send fewer or shorter locations`,
              )
            }
            let held = bytes - (previous?.bytes ?? 0)
            for (const state of member.states.values()) held += state.bytes
            if (held > MAX_HELD_STATE_BYTES) {
              return fail(
                id,
                INVALID_PARAMS,
                `The sessions of this connection would hold ${held} bytes of locations; at most ${MAX_HELD_STATE_BYTES}: send presence_disconnect for one first`,
              )
            }
            member.states.set(sessionId, {locations, bytes})
            broadcast(dataset, {type: 'state', i: principal.id, m: {sessionId, locations}})
            return reply(id, true)
          }
          case 'presence_disconnect': {
            const session = sessionParam(params.session)
            if (!session) return fail(id, INVALID_PARAMS, 'presence_disconnect needs "session"')
            member.states.delete(session)
            broadcast(dataset, {type: 'disconnect', i: principal.id, m: {session}})
            return reply(id, true)
          }
          default:
            return fail(id, METHOD_NOT_FOUND, `Method not found: ${method}`)
        }
      }

      // One message at a time, in order: an announce must not overtake the disconnect after it.
      let queue = Promise.resolve()
      return {
        receive(text) {
          queue = queue.then(() => handle(text))
          return queue
        },
        closed: forget,
      }
    },

    endWhere(ended) {
      const verdicts = new Map<Principal, string | null>()
      let count = 0
      for (const members of [...channels.values()]) {
        for (const member of [...members]) {
          const {principal} = member
          if (!principal) continue
          if (!verdicts.has(principal)) verdicts.set(principal, ended(principal))
          const reason = verdicts.get(principal)
          if (reason === null || reason === undefined) continue
          member.end(CLOSE_UNAUTHORIZED, reason)
          count++
        }
      }
      return count
    },

    endDataset(dataset, reason) {
      const members = channels.get(dataset)
      if (!members) return 0
      // All of the dataset's sockets go: none is left to hear the others' sessions end.
      channels.delete(dataset)
      for (const member of members) member.peer.close(1001, reason)
      return members.size
    },

    sessions(dataset) {
      const found: {sessionId: string; userId: string}[] = []
      for (const member of channels.get(dataset) ?? []) {
        for (const sessionId of member.states.keys()) {
          found.push({sessionId, userId: member.principal?.id ?? ''})
        }
      }
      return found
    },

    close() {
      for (const members of channels.values()) {
        for (const member of members) member.peer.close(1001, 'The lake is stopping')
      }
      channels.clear()
    },
  }
}

function sessionParam(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH
    ? value
    : null
}

function locationsParam(value: unknown): Location[] | null {
  if (!Array.isArray(value) || value.length > MAX_LOCATIONS) return null
  const locations: Location[] = []
  for (const item of value) {
    if (!item || typeof item !== 'object') return null
    const {type, documentId, path, lastActiveAt, selection} = item as Location
    if (typeof documentId !== 'string' || documentId.length > MAX_ID_LENGTH) return null
    // Serialising a value nested thousands deep would overflow the stack.
    if (nestsDeeperThan([path, selection], MAX_LOCATION_DEPTH)) return null
    locations.push({
      type: typeof type === 'string' ? type : 'document',
      documentId,
      path: Array.isArray(path) ? path : [],
      lastActiveAt: typeof lastActiveAt === 'string' ? lastActiveAt : new Date().toISOString(),
      ...(selection === undefined ? {} : {selection}),
    })
  }
  return locations
}

/** The event as `principal` may see it: locations in documents it cannot read are left out. */
function visibleTo(principal: Principal, event: PresenceEvent): PresenceEvent {
  const locations = event.m?.locations
  if (!locations) return event
  const readable = locations.filter((location) => can(principal, 'read', location.documentId ?? ''))
  return readable.length === locations.length
    ? event
    : {...event, m: {...event.m, locations: readable}}
}

/**
 * The connections' caps (one client address's, the lake's), each connection a file descriptor.
 * Past a cap a new connection displaces the least recently active quiet connection there: one
 * with no request under way (none being answered, no HTTP/2 stream open, no WebSocket) that was
 * accepted, finished its TLS handshake or last began or ended a request `quietMs` ago or more
 * (headers trickled a byte at a time count as no request). A connection mid-request, or fresh
 * (its TLS handshake and first request) within `quietMs`, is never displaced; when every one is
 * either, the newcomer is closed at once, before anything was asked of it. Displacing fresh
 * connections first (the rule before) had an honest client's new connection accepted and then
 * killed by a process's next bare TCP connect. A displaced HTTP/2 session gets a GOAWAY: its
 * client knows no stream was lost and opens another session. How long a request may hold its
 * connection is bounded elsewhere: its body by the lake's body deadlines, the whole by Node's
 * requestTimeout.
 */
import type {Http2Session, ServerHttp2Stream} from 'node:http2'
import type {Server, Socket} from 'node:net'
import type {Duplex} from 'node:stream'

export interface ConnectionCaps {
  /** Open connections from one client address. */
  perAddress: number
  /** Open connections in all. */
  total: number
  /** How long a connection with no request under way must be without traffic to be displaced. */
  quietMs: number
}

interface Connection {
  socket: Socket
  address: string
  /** HTTP/2 streams open on its session. */
  streams: number
  /** A WebSocket (presence) now: it holds its request for its life. */
  upgraded: boolean
  /** Its HTTP/2 session, told GOAWAY when displaced. */
  session?: Http2Session
  /** Its TLS socket once the handshake is done: HTTP/1.1's state is on that one. */
  tls?: AnsweringSocket
  /** When it was accepted, finished its TLS handshake, or a request on it began or ended. */
  activeAt: number
}

/** Node's HTTP/1.1 server sets this on a socket while it answers a request on it. */
type AnsweringSocket = Socket & {_httpMessage?: unknown}

/** `server`: the lake's (HTTP/1.1, or HTTP/2 over TLS with HTTP/1.1's fallback). */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  const all = new Map<Socket, Connection>()
  const byAddress = new Map<string, Map<Socket, Connection>>()

  /** The raw TCP socket under a TLS socket (or an HTTP/2 session's proxy of one). */
  const connectionOf = (socket: unknown): Connection | undefined => {
    if (!socket) return undefined
    const own = all.get(socket as Socket)
    if (own) return own
    const parent = (socket as {_parent?: unknown})._parent
    return parent ? all.get(parent as Socket) : undefined
  }

  const holdsRequest = (connection: Connection) =>
    connection.upgraded ||
    connection.streams > 0 ||
    (connection.socket as AnsweringSocket)._httpMessage != null ||
    connection.tls?._httpMessage != null

  const touch = (connection: Connection | undefined) => {
    if (connection) connection.activeAt = performance.now()
  }

  /** The least recently active of `among` that is quiet, if any. */
  const displaceable = (among: Map<Socket, Connection>): Connection | undefined => {
    const now = performance.now()
    let quietest: Connection | undefined
    for (const connection of among.values()) {
      if (holdsRequest(connection) || now - connection.activeAt < caps.quietMs) continue
      if (!quietest || connection.activeAt < quietest.activeAt) quietest = connection
    }
    return quietest
  }

  const forget = (connection: Connection) => {
    if (!all.delete(connection.socket)) return
    const mine = byAddress.get(connection.address)
    mine?.delete(connection.socket)
    if (mine?.size === 0) byAddress.delete(connection.address)
  }

  const displace = (connection: Connection) => {
    forget(connection)
    if (connection.session && !connection.session.destroyed) {
      // No stream is open: close() sends GOAWAY, telling the client so, and ends the session.
      connection.session.close()
      return
    }
    // Idle between requests, or never sent one: nothing of the client's is lost.
    connection.tls?.destroy()
    connection.socket.destroy()
  }

  /** Makes room under `cap` in `among`; false if none there may be displaced. */
  const makeRoom = (among: Map<Socket, Connection>, cap: number): boolean => {
    while (among.size >= cap) {
      const quietest = displaceable(among)
      if (!quietest) return false
      displace(quietest)
    }
    return true
  }

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const mine = byAddress.get(address) ?? new Map<Socket, Connection>()
    if (!makeRoom(mine, caps.perAddress) || !makeRoom(all, caps.total)) return socket.destroy()
    const connection: Connection = {
      socket,
      address,
      streams: 0,
      upgraded: false,
      activeAt: performance.now(),
    }
    all.set(socket, connection)
    mine.set(socket, connection)
    byAddress.set(address, mine)
    socket.once('close', () => forget(connection))
  })

  // Every path Node hands the lake a request on: each begins and ends activity.
  server.on('secureConnection', (tlsSocket: Socket) => {
    const connection = connectionOf(tlsSocket)
    if (connection) connection.tls = tlsSocket
    touch(connection)
  })
  server.on('session', (session: Http2Session) => {
    const connection = connectionOf(session.socket)
    if (connection) connection.session = session
  })
  for (const event of ['request', 'checkContinue', 'checkExpectation']) {
    server.on(event, (request: {socket?: unknown; stream?: unknown}, response: Duplex) => {
      // HTTP/2's requests are counted as streams, below.
      if (request.stream) return
      const connection = connectionOf(request.socket)
      touch(connection)
      response.once('close', () => touch(connection))
    })
  }
  server.on('upgrade', (_request: unknown, socket: Duplex) => {
    const connection = connectionOf(socket)
    if (connection) connection.upgraded = true
  })
  server.on('stream', (stream: ServerHttp2Stream) => {
    const connection = connectionOf(stream.session?.socket)
    if (!connection) return
    connection.streams++
    touch(connection)
    stream.once('close', () => {
      connection.streams--
      touch(connection)
    })
  })
}

/**
 * The connections' caps (one client address's, the lake's), each connection a file descriptor.
 * Past a cap a new connection displaces the oldest one, of the address or of the lake, that has
 * no request under way: a connection still in its TLS handshake, one whose request's headers have
 * not all come (a client trickling them a byte at a time), one idle between requests, an HTTP/2
 * session with no stream open. Only when every one holds a request (a listener, a query, a body
 * arriving, a presence socket) is the new one closed at once. Refusing the newcomer, as Node's
 * `maxConnections` does, let one local process that opened the address's 1,000 connections and
 * trickled their headers lock every other local client out for as long as it liked: all of them
 * share 127.0.0.1, and Node's 60 s for the headers (checked every 30 s) only made it reopen them.
 * Of those holding no request, one that never carried a whole request goes first, so a client
 * that keeps its connection between requests (@sanity/client's agent, a browser) keeps it while
 * such connections are there to displace.
 */
import type {ServerHttp2Stream} from 'node:http2'
import type {Server, Socket} from 'node:net'
import type {Duplex} from 'node:stream'

export interface ConnectionCaps {
  /** Open connections from one client address. */
  perAddress: number
  /** Open connections in all. */
  total: number
}

interface Connection {
  socket: Socket
  address: string
  /** HTTP/2 streams open on its session. */
  streams: number
  /** Requests (or streams, or an upgrade) it has carried. */
  requests: number
  /** A WebSocket (presence) now: it holds its request for its life. */
  upgraded: boolean
}

/** Node's HTTP/1.1 server sets this on a socket while it answers a request on it. */
type AnsweringSocket = Socket & {_httpMessage?: unknown}

/** `server`: the lake's (HTTP/1.1, or HTTP/2 over TLS with HTTP/1.1's fallback). */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  // Insertion order is age: the first one found holding no request is the oldest.
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

  /** Whether the lake is answering a request on it; a TLS socket's HTTP/1.1 state is on that. */
  const holdsRequest = (connection: Connection, tlsSocket: AnsweringSocket | undefined) =>
    connection.upgraded ||
    connection.streams > 0 ||
    (connection.socket as AnsweringSocket)._httpMessage != null ||
    tlsSocket?._httpMessage != null

  const tlsSockets = new WeakMap<Connection, AnsweringSocket>()

  /** The oldest of `among` holding no request: one that never carried one first. */
  const displaceable = (among: Map<Socket, Connection>): Connection | undefined => {
    let idle: Connection | undefined
    for (const connection of among.values()) {
      if (holdsRequest(connection, tlsSockets.get(connection))) continue
      if (connection.requests === 0) return connection
      idle ??= connection
    }
    return idle
  }

  const forget = (connection: Connection) => {
    if (!all.delete(connection.socket)) return
    const mine = byAddress.get(connection.address)
    mine?.delete(connection.socket)
    if (mine?.size === 0) byAddress.delete(connection.address)
  }

  /** Makes room under `cap` in `among`; false if every connection there holds a request. */
  const makeRoom = (among: Map<Socket, Connection>, cap: number): boolean => {
    while (among.size >= cap) {
      const oldest = displaceable(among)
      if (!oldest) return false
      forget(oldest)
      // The TLS socket holds the connection once made; the raw one before.
      tlsSockets.get(oldest)?.destroy()
      oldest.socket.destroy()
    }
    return true
  }

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const mine = byAddress.get(address) ?? new Map<Socket, Connection>()
    if (!makeRoom(mine, caps.perAddress) || !makeRoom(all, caps.total)) return socket.destroy()
    const connection: Connection = {socket, address, streams: 0, requests: 0, upgraded: false}
    all.set(socket, connection)
    mine.set(socket, connection)
    byAddress.set(address, mine)
    socket.once('close', () => forget(connection))
  })

  // What makes a connection hold a request, on every path Node hands one to the lake.
  const carried = (socket: unknown) => {
    const connection = connectionOf(socket)
    if (connection) connection.requests++
    return connection
  }
  server.on('secureConnection', (tlsSocket: Socket) => {
    const connection = connectionOf(tlsSocket)
    if (connection) tlsSockets.set(connection, tlsSocket as AnsweringSocket)
  })
  for (const event of ['request', 'checkContinue', 'checkExpectation']) {
    server.on(event, (request: {socket?: unknown; stream?: unknown}) => {
      // HTTP/2's requests are counted as streams, below.
      if (!request.stream) carried(request.socket)
    })
  }
  server.on('upgrade', (_request: unknown, socket: Duplex) => {
    const connection = carried(socket)
    if (connection) connection.upgraded = true
  })
  server.on('stream', (stream: ServerHttp2Stream) => {
    const connection = carried(stream.session?.socket)
    if (!connection) return
    connection.streams++
    stream.once('close', () => connection.streams--)
  })
}

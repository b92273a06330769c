/**
 * The presence socket on the lake's server: WebSocket upgrades of `GET /v<version>/socket/<dataset>`
 * (HTTP/1.1; browsers open WebSockets on their own HTTP/1.1 connection even when the rest of the
 * Studio talks HTTP/2) handed to the presence hub. Browsers must come from an allowed Studio origin.
 */
import type {ServerType} from '@hono/node-server'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import {WebSocketServer, type WebSocket} from 'ws'
import {normalizeOrigin} from '../http/cors.ts'
import {createPresenceHub, type PresenceHub, type TokenResolver} from './hub.ts'

/** `/v2022-06-30/socket/production` → `production`. */
const SOCKET_PATH = /^\/v[^/]+\/socket\/([A-Za-z0-9_-]{1,64})\/?$/
/** The heartbeat bifur expects between messages; it keeps idle proxies from closing the socket. */
const HEARTBEAT = '\u2665'
const HEARTBEAT_MS = 20_000
/** Largest accepted frame: a state report is a few hundred bytes. */
const MAX_PAYLOAD = 64 * 1024

export interface PresenceSocketOptions {
  tokens: TokenResolver
  /** Origins allowed to open the socket from a browser (the lake's CORS origins). */
  origins: readonly string[]
}

export interface PresenceSocket {
  hub: PresenceHub
  close(): void
}

/** Answers presence upgrades on `server`; other upgrade requests get a 404 and are closed. */
export function attachPresence(server: ServerType, options: PresenceSocketOptions): PresenceSocket {
  const hub = createPresenceHub(options.tokens)
  const allowed = new Set(options.origins.map((origin) => normalizeOrigin(origin)))
  const sockets = new WebSocketServer({noServer: true, maxPayload: MAX_PAYLOAD})

  const refuse = (socket: Duplex, status: string, message: string) => {
    const body = JSON.stringify({statusCode: Number.parseInt(status), error: status, message})
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const path = new URL(request.url ?? '/', 'http://lake').pathname
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
    sockets.handleUpgrade(request, socket, head, (ws) => open(ws, match[1], request))
  })

  function open(ws: WebSocket, dataset: string, request: IncomingMessage) {
    // A token in the upgrade request (non-browser clients); the Studio sends it as a message.
    const header = request.headers.authorization
    const token = header ? (/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null) : null
    const connection = hub.connect(
      dataset,
      {
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text)
        },
        close: (code, reason) => ws.close(code, reason),
      },
      token,
    )
    const heartbeat = setInterval(
      () => ws.readyState === ws.OPEN && ws.send(HEARTBEAT),
      HEARTBEAT_MS,
    )
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(4000, 'Send JSON-RPC as text frames')
      connection.receive(String(data)).catch(() => ws.close(1011, 'Presence failed'))
    })
    ws.on('close', () => {
      clearInterval(heartbeat)
      connection.closed()
    })
    ws.on('error', () => ws.terminate())
  }

  return {
    hub,
    close() {
      hub.close()
      sockets.close()
    },
  }
}

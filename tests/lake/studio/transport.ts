/**
 * One request shape over both transports the lake speaks: HTTP/2 (node:http2, as browsers use it)
 * and HTTP/1.1 (fetch, as Node clients use it). Redirects are never followed, so tests see them.
 */
import {connect, type ClientHttp2Session} from 'node:http2'

export interface Reply {
  status: number
  headers: Headers
  text: string
  /** The protocol the answer came over. */
  protocol: 'h2' | 'http/1.1'
  json<T = unknown>(): T
}

export interface RequestSpec {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
}

export interface Transport {
  name: 'HTTP/2' | 'HTTP/1.1'
  request(url: string, spec?: RequestSpec): Promise<Reply>
  close(): void
}

function reply(status: number, headers: Headers, text: string, protocol: Reply['protocol']): Reply {
  return {status, headers, text, protocol, json: <T>() => JSON.parse(text) as T}
}

export function http1(): Transport {
  return {
    name: 'HTTP/1.1',
    async request(url, spec = {}) {
      const res = await fetch(url, {
        method: spec.method ?? 'GET',
        headers: spec.headers,
        body: spec.body as BodyInit | undefined,
        redirect: 'manual',
      })
      return reply(res.status, res.headers, await res.text(), 'http/1.1')
    },
    close() {},
  }
}

/** An HTTP/2 client with one session per origin, verifying the certificate with the default CAs. */
export function http2(): Transport {
  const sessions = new Map<string, ClientHttp2Session>()
  const session = (origin: string) => {
    let s = sessions.get(origin)
    if (!s || s.closed || s.destroyed) {
      s = connect(origin)
      s.on('error', () => {})
      sessions.set(origin, s)
    }
    return s
  }
  return {
    name: 'HTTP/2',
    request(url, spec = {}) {
      const target = new URL(url)
      return new Promise((resolve, reject) => {
        const stream = session(target.origin).request({
          ':method': spec.method ?? 'GET',
          ':path': target.pathname + target.search,
          ...Object.fromEntries(
            Object.entries(spec.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
          ),
        })
        const chunks: Buffer[] = []
        let status = 0
        const headers = new Headers()
        stream.on('response', (incoming) => {
          status = Number(incoming[':status'])
          for (const [key, value] of Object.entries(incoming)) {
            if (key.startsWith(':') || value === undefined) continue
            for (const item of Array.isArray(value) ? value : [value])
              headers.append(key, String(item))
          }
        })
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('end', () =>
          resolve(reply(status, headers, Buffer.concat(chunks).toString('utf8'), 'h2')),
        )
        stream.on('error', reject)
        stream.end(spec.body === undefined ? undefined : Buffer.from(spec.body))
      })
    },
    close() {
      for (const s of sessions.values()) s.close()
      sessions.clear()
    },
  }
}

/** For `describe.each(TRANSPORTS)('… over $name', ({make}) => …)`. */
export const TRANSPORTS = [
  {name: 'HTTP/2', make: http2},
  {name: 'HTTP/1.1', make: http1},
]

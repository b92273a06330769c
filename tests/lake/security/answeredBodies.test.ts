/**
 * An anonymous request's place among its address's bodies under way is about its connection held
 * while the body arrives: once its route has answered, nothing reads the rest of its body, so the
 * place is given back then, whether or not its client takes the answer. Over HTTP/2 a client that
 * reads none of its answers (a window of 0) and never ends its bodies kept each place until the
 * stream ended: a few such requests to routes that refuse without reading (a 401, a 404) held
 * every place of the address, and its sign-ins and POST queries were all 429s.
 */
import type {ClientHttp2Session} from 'node:http2'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {http2Sessions} from '../../helpers/http2Sessions.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'
/** The address's bodies under way at most, few so that a few requests fill them. */
const BODIES = 2

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake({serverOptions: {requestsInFlight: {anonymousBodies: BODIES}}})
})
afterAll(async () => {
  await lake?.close()
})

const session = http2Sessions(() => lake)

/** An anonymous POST whose body begins and never ends; its status once its headers arrive. */
function endlessBody(on: ClientHttp2Session, path: string): Promise<number> {
  const stream = on.request(
    {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/json',
      'content-length': '1000',
    },
    {endStream: false},
  )
  stream.on('error', () => {})
  stream.write('{"mutations":')
  return new Promise((resolve) =>
    stream.on('response', (headers) => resolve(Number(headers[':status']))),
  )
}

/** An anonymous logout, its small body whole: a request with a body from the same address. */
function logout(on: ClientHttp2Session): Promise<number> {
  const stream = on.request({':method': 'POST', ':path': `${API}/auth/logout`})
  stream.on('error', () => {})
  stream.end('{}')
  stream.resume()
  return new Promise((resolve) =>
    stream.on('response', (headers) => resolve(Number(headers[':status']))),
  )
}

it.each([
  ['refused before it reads (401)', `${API}/data/mutate/test`, 401],
  ['no route (404)', `${API}/data/nothing/test`, 404],
])(
  "a request with a body whose route answered without reading it, %s, gives back its body's place",
  async (_, path, status) => {
    const unread = session({unread: true})
    for (let i = 0; i < BODIES; i++) expect(await endlessBody(unread, path)).toBe(status)
    // Their answers unread and their bodies unfinished, the address's bodies are free again.
    expect(await logout(session())).toBe(204)
  },
)

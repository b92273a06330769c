/**
 * DNS rebinding (2026-12-05): a lake started with `--no-tls` on 127.0.0.1 answered any Host
 * header, so a page of another site whose name was rebound to 127.0.0.1 read from the lake as its
 * own origin (CORS no help) whatever an anonymous caller may. Over HTTPS the browser refuses the
 * lake's certificate for that name; without TLS only the Host tells (lake/http/hostNames.ts).
 */
import {request} from 'node:http'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {isLoopbackName} from '../../../lake/http/hostNames.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false})
})

afterAll(async () => {
  await lake?.close()
})

/** A ping with this Host header: its status and body. */
function pingAs(host: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(`${lake.url}/v2025-02-19/ping`, {headers: {host}}, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({status: res.statusCode!, body}))
    })
    req.on('error', reject)
    req.end()
  })
}

test('a lake on a loopback address without TLS refuses a Host of another name, saying which and what to call', async () => {
  const port = new URL(lake.url).port
  for (const host of [
    `evil.example:${port}`,
    'evil.example',
    `192.168.1.5:${port}`,
    `localhost.evil.example:${port}`,
  ]) {
    const {status, body} = await pingAs(host)
    expect(status, host).toBe(403)
    const {message} = JSON.parse(body) as {message: string}
    expect(message).toContain(JSON.stringify(host.split(':')[0]))
    expect(message).toContain(`http://localhost${host.includes(':') ? `:${port}` : ''}`)
  }
})

test('and answers loopback names', async () => {
  const port = new URL(lake.url).port
  for (const host of [
    `localhost:${port}`,
    `127.0.0.1:${port}`,
    `[::1]:${port}`,
    `local.localhost:${port}`,
    'localhost',
  ]) {
    const {status, body} = await pingAs(host)
    expect(status, host).toBe(200)
    expect(JSON.parse(body)).toEqual({ping: 'pong'})
  }
})

test('loopback names', () => {
  for (const name of [
    'localhost',
    'LOCALHOST',
    'a.b.localhost',
    'localhost.',
    '127.0.0.1',
    '127.1.2.3',
    '[::1]',
  ]) {
    expect(isLoopbackName(name), name).toBe(true)
  }
  for (const name of [
    'evil.example',
    'localhost.evil',
    '127.0.0.1.evil',
    '0.0.0.0',
    '[::ffff:7f00:1]',
    '10.0.0.1',
  ]) {
    expect(isLoopbackName(name), name).toBe(false)
  }
})

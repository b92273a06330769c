/**
 * A query body that arrives a byte at a time holds its caller's share of queued queries (counted
 * at its declared length before it is read) only until the query deadline: then it is refused
 * with a 408, its share freed. Every local anonymous caller shares one share (their address,
 * 127.0.0.1), and an HTTP/2 session that trickles is never idle (an HTTP/1.1 request had Node's
 * 300 s), so before, a few streams trickling bodies held the share for as long as their sender
 * liked: every other local anonymous query (a front end's) was a 429. A lake of its own with a
 * short query deadline.
 */
import {readFile} from 'node:fs/promises'
import {request} from 'node:https'
import {connect, type ClientHttp2Session} from 'node:http2'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {API, useChildLake} from './childLake.ts'

const DEADLINE_S = 2
const lake = useChildLake('trickled', {
  tls: true,
  args: ['--query-timeout', String(DEADLINE_S)],
})

let trickler: ClientHttp2Session
let other: ClientHttp2Session
let ca: string

beforeAll(async () => {
  ca = await readFile(lake.caPath!, 'utf8')
  trickler = connect(lake.url, {ca})
  other = connect(lake.url, {ca})
  trickler.on('error', () => {})
  other.on('error', () => {})
  // The query threads loaded first: a cold start is not what this measures.
  expect((await askOther()).status).toBe(200)
}, 240_000)

/** An anonymous GET query over the other session. */
function askOther(): Promise<Answer> {
  const stream = other.request({
    ':path': `/${API}/data/query/test?query=${encodeURIComponent('count(string::split("abc", ""))')}`,
  })
  stream.end()
  return answerOf(stream)
}

afterAll(() => {
  trickler?.destroy()
  other?.destroy()
})

interface Answer {
  status: number
  text: string
}

function answerOf(stream: ReturnType<ClientHttp2Session['request']>): Promise<Answer> {
  return new Promise((resolve) => {
    let status = 0
    const chunks: Buffer[] = []
    stream.on('response', (headers) => (status = Number(headers[':status'])))
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', () => {})
    stream.on('close', () => resolve({status, text: Buffer.concat(chunks).toString()}))
  })
}

/**
 * An anonymous POST query declaring `length` bytes of body and sending one byte every 200 ms,
 * over HTTP/2 (a stream of one session) or HTTP/1.1 (a connection of its own).
 */
function trickle(length: number, http2: boolean) {
  const body = Buffer.from(`{"query": "count(*)", "params": {"s": "${' '.repeat(length)}`)
  const path = `/${API}/data/query/test`
  const headers = {'content-type': 'application/json', 'content-length': length}
  let sent = 0
  let answer: Promise<Answer>
  let write: (bytes: Buffer) => void
  let close: () => void
  let closed: () => boolean
  if (http2) {
    const stream = trickler.request({':method': 'POST', ':path': path, ...headers})
    answer = answerOf(stream)
    write = (bytes) => stream.write(bytes)
    close = () => stream.close()
    closed = () => stream.closed || stream.destroyed
  } else {
    const req = request(`${lake.url}${path}`, {method: 'POST', headers, ca, agent: false})
    answer = new Promise((resolve) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({status: res.statusCode!, text: Buffer.concat(chunks).toString()}),
        )
      })
      req.on('error', () => resolve({status: 0, text: ''}))
    })
    write = (bytes) => req.write(bytes)
    close = () => req.destroy()
    closed = () => req.destroyed
  }
  const timer = setInterval(() => {
    if (closed()) return clearInterval(timer)
    write(body.subarray(sent, ++sent))
  }, 200)
  return {answer, stop: () => (clearInterval(timer), close())}
}

it('a trickled query body (HTTP/2 or HTTP/1.1) is refused at the query deadline, and other anonymous queries are answered', async () => {
  // Declared lengths that fill the anonymous local callers' share exactly.
  const {callerBytes, requestBytes} = LIMITS.queryRequests
  const trickles = Array.from({length: 16}, (_, i) =>
    trickle(callerBytes / 16 - requestBytes, i % 2 === 0),
  )
  try {
    // Past the deadline with a margin for a loaded machine; the bodies still arriving.
    await sleep((DEADLINE_S + 3) * 1000)
    const answer = await askOther()
    // On main: 429 callerBusyError ("This caller's queries waiting for or on a query thread hold
    // 16777216 bytes"), for as long as the bodies trickled.
    expect(answer.status, answer.text).toBe(200)
    expect(JSON.parse(answer.text).result).toBe(3)
    const refused = await Promise.all(trickles.map(({answer}) => answer))
    for (const {status, text} of refused) {
      expect(status, text).toBe(408)
      expect(text).toMatch(new RegExp(`body.*${DEADLINE_S} s`))
    }
  } finally {
    for (const {stop} of trickles) stop()
  }
}, 60_000)

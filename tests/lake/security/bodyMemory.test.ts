/**
 * A large write body's shared memory (lake/http/nodeRequest.ts writeBody): asked for in growing
 * steps as the body arrives, never its declared length up front (a connection that declares 40 MiB
 * and sends 4 bytes reserved 40 MiB: 900 of them 35 GB of address space), never past the declared
 * length or the limit; allocated and first touched on a thread of its own (bodyMemory.ts), so the
 * event loop's copy into it takes no page fault (a 64 kB chunk's copy into fresh memory took up to
 * 122 ms at load 17, 4 ms once touched). Counted, not timed: allocations, array-buffer bytes, and
 * the page faults of a child process's thread.
 */
import {createHash, randomBytes} from 'node:crypto'
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {connect, type AddressInfo, type Socket} from 'node:net'
import {serve, type ServerType} from '@hono/node-server'
import {Hono} from 'hono'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {writeArrival, writeBody} from '../../../lake/http/nodeRequest.ts'

const run = promisify(execFile)

const MIB = 1024 * 1024
const OVER = 2 * MIB
/** The chunked body's limit here (the lake's is LIMITS.body.write). */
const STREAMED_LIMIT = 12 * MIB

/** Each allocation the route asked for, in bytes. */
const asked: number[] = []
/** Requests the route began to read. */
let entered = 0
/** Bytes each body whose read failed reported let go of (BodyMemory.abandoned). */
const abandoned: number[] = []
const memory = {
  async allocate(bytes: number) {
    asked.push(bytes)
    return new SharedArrayBuffer(bytes)
  },
  abandoned(bytes: number) {
    abandoned.push(bytes)
  },
}

let server: ServerType
let port = 0

const sha = (bytes: Uint8Array) => createHash('sha256').update(Buffer.from(bytes)).digest('hex')

beforeAll(async () => {
  const app = new Hono()
  app.post('/x', async (c) => {
    const limit = {
      maxBytes: STREAMED_LIMIT,
      refuse(): never {
        throw Object.assign(new Error('too large'), {status: 413})
      },
    }
    entered++
    try {
      const body = await writeBody(c, OVER, limit, memory, writeArrival(60_000))
      if (!('shared' in body)) return c.json({shared: false})
      return c.json({shared: true, length: body.shared.length, sha: sha(body.shared)})
    } catch (err) {
      return c.json({error: String(err)}, (err as {status?: 413}).status ?? 400)
    }
  })
  await new Promise<void>((resolve) => {
    server = serve({fetch: app.fetch, port: 0, hostname: '127.0.0.1'}, () => resolve())
  })
  port = (server.address() as AddressInfo).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

test('bodies that declare 40 MiB and send 4 bytes hold no shared memory; those that send 1.5 MiB, 4 MiB each', async () => {
  const before = process.memoryUsage().arrayBuffers
  asked.length = 0
  entered = 0
  const sockets: Socket[] = []
  const declared = LIMITS.body.write
  for (let i = 0; i < 16; i++) {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n' +
          `Content-Length: ${declared}\r\n\r\n{"a"`,
      )
      if (i % 2 === 1) socket.write(Buffer.alloc(1.5 * MIB, 32))
    })
    socket.on('error', () => {})
    sockets.push(socket)
  }
  try {
    // Until all sixteen are being read and those that sent 1.5 MiB got memory (on main, each
    // allocated its declared length as its reading began).
    const grown = () => process.memoryUsage().arrayBuffers - before
    const deadline = Date.now() + 10_000
    while ((entered < 16 || asked.length < 8) && grown() < 16 * declared && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // On main: 16 x 40 MiB. Now the 1.5 MiB each of eight as it arrived, and 4 MiB each of theirs.
    expect(grown()).toBeLessThan(8 * 8 * MIB)
    expect(entered).toBe(16)
    expect(asked).toEqual(Array(8).fill(4 * MIB))
  } finally {
    for (const socket of sockets) socket.destroy()
  }
  // Their clients gone, each body that held memory says so, with its 4 MiB and the 1.5 MiB it
  // read (bodyMemory.ts has the event loop's heap collected for them).
  abandoned.length = 0
  const deadline = Date.now() + 10_000
  while (abandoned.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  expect(abandoned.filter((bytes) => bytes >= 4 * MIB + 1.5 * MIB)).toHaveLength(8)
})

/** POSTs `bytes`, with a Content-Length or (`chunked`) in 64 kB chunks without one. */
async function post(bytes: Uint8Array, chunked = false) {
  const body = chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 65_536) {
            controller.enqueue(bytes.subarray(at, at + 65_536))
          }
          controller.close()
        },
      })
    : bytes
  const res = await fetch(`http://127.0.0.1:${port}/x`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body,
    duplex: 'half',
  } as RequestInit)
  return {status: res.status, body: (await res.json()) as Record<string, unknown>}
}

test('a 10 MiB body arrives whole in growing steps: to its declared length, or to the limit when chunked', async () => {
  const bytes = randomBytes(10 * MIB)
  asked.length = 0
  expect(await post(bytes)).toEqual({
    status: 200,
    body: {shared: true, length: bytes.length, sha: sha(bytes)},
  })
  // 4 MiB once 1 MiB arrived, then at least twice as much each time, the last `cap`.
  const steps = (cap: number) => {
    expect(asked[0]).toBe(4 * MIB)
    expect(asked.at(-1)).toBe(cap)
    for (let i = 1; i < asked.length - 1; i++) {
      expect(asked[i]).toBeGreaterThanOrEqual(2 * asked[i - 1])
    }
  }
  steps(bytes.length)
  asked.length = 0
  expect(await post(bytes, true)).toEqual({
    status: 200,
    body: {shared: true, length: bytes.length, sha: sha(bytes)},
  })
  // To the limit: its length is not known until its end.
  steps(STREAMED_LIMIT)
  // Past the limit, chunked: the 413, and no memory past the limit was asked for.
  asked.length = 0
  expect((await post(randomBytes(STREAMED_LIMIT + 1), true)).status).toBe(413)
  expect(Math.max(...asked)).toBeLessThanOrEqual(STREAMED_LIMIT)
  // Within `over`, as before: parsed on the event loop, no shared memory.
  asked.length = 0
  expect(await post(new TextEncoder().encode('{"mutations": []}'))).toEqual({
    status: 200,
    body: {shared: false},
  })
  expect(asked).toEqual([])
})

/**
 * In a process of its own: `size` bytes from the body memory thread and `size` of fresh shared
 * memory from this thread, each written one byte a 4 kB page, with the page faults each write
 * took (this thread's, /proc/thread-self/stat field 10). Not in the test's worker: there, glibc
 * had raised its mmap threshold (up to 32 MiB, as a freed mmapped buffer does) and earlier files'
 * freed buffers of up to 32 MiB, carved from the heap and coalesced, held a resident free region
 * past 40 MiB; calloc zeroed a "fresh" 40 MiB from it with a memset, so writing it took no fault
 * (0 of 0 in three tries, full runs 19:00 and 19:51). A new process's heap holds no such region:
 * both allocations are new mappings.
 */
async function faultsInChild(size: number) {
  const module = fileURLToPath(new URL('../../../lake/http/bodyMemory.ts', import.meta.url))
  const script = `
    import {readFileSync} from 'node:fs'
    const {createBodyMemory} = await import(${JSON.stringify(module)})
    const minorFaults = () => {
      const stat = readFileSync('/proc/thread-self/stat', 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7])
    }
    const faultsWriting = (bytes) => {
      const before = minorFaults()
      for (let at = 0; at < bytes.length; at += 4096) bytes[at] = 1
      return minorFaults() - before
    }
    const bodyMemory = createBodyMemory()
    const touched = new Uint8Array(await bodyMemory.allocate(${size}))
    const zeroed = touched.length === ${size} && touched.every((byte) => byte === 0)
    const fresh = faultsWriting(new Uint8Array(new SharedArrayBuffer(${size})))
    const reused = faultsWriting(touched)
    await bodyMemory.close()
    console.log(JSON.stringify({zeroed, fresh, reused}))
  `
  const {stdout} = await run(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  })
  return JSON.parse(stdout) as {zeroed: boolean; fresh: number; reused: number}
}

test("the body memory thread's memory comes touched: writing it here takes a fraction of fresh memory's page faults", async () => {
  // Past glibc's largest mmap threshold (32 MiB): both are new mappings in a new process.
  const size = 40 * MIB
  const {zeroed, fresh, reused} = await faultsInChild(size)
  expect(zeroed).toBe(true)
  const measured = `${reused} faults writing the thread's memory, ${fresh} fresh`
  // Fresh memory: about one fault a page (10,240), which says the comparison can fail.
  expect(fresh, measured).toBeGreaterThan(size / 4096 / 2)
  // Untouched by the thread, its memory takes as many faults as fresh memory.
  expect(reused, measured).toBeLessThan(fresh / 10)
}, 60_000)

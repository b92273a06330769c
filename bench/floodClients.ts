/**
 * bench/flood.ts's anonymous clients: `clients` keep-alive connections, each sending one GET query
 * after another, spread over `addresses` loopback addresses (127.0.0.2 onwards; Linux routes all of
 * 127/8 to lo) as a flood of many visitors comes from many; with one address, all from 127.0.0.1
 * as every local process. They run on a thread of their own (floodThread), so that the editor's
 * timer in the bench's main thread does not wait behind 500 connections' callbacks.
 */
import http from 'node:http'
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads'

export interface FloodOptions {
  /** `http://127.0.0.1:<port>` (not `localhost`: a client bound to 127.0.0.2 cannot reach ::1). */
  origin: string
  /** The query's path, `/vX/data/query/<dataset>?query=…`. */
  path: string
  clients: number
  addresses: number
}

/** The answers the flood got, by status (0: the connection failed). */
export type Statuses = Record<number, number>

/** The address of client `n`: 127.0.0.1 for one address, else 127.0.0.2 onwards. */
export function clientAddress(n: number, addresses: number): string {
  if (addresses <= 1) return '127.0.0.1'
  const k = 2 + (n % addresses)
  return `127.${Math.floor(k / 65536) % 256}.${Math.floor(k / 256) % 256}.${k % 256}`
}

/** Starts the clients here; `stop` ends them once each has its answer. */
function flood(options: FloodOptions): {stop(): Promise<Statuses>} {
  const agent = new http.Agent({keepAlive: true, maxSockets: options.clients})
  const statuses: Statuses = {}
  let flooding = true
  const send = (localAddress: string) =>
    new Promise<number>((resolve) => {
      const request = http.request(
        `${options.origin}${options.path}`,
        {agent, localAddress},
        (response) => {
          response.resume()
          response.once('end', () => resolve(response.statusCode ?? 0))
        },
      )
      request.once('error', () => resolve(0))
      request.end()
    })
  const clients = Array.from({length: options.clients}, async (_, n) => {
    const localAddress = clientAddress(n, options.addresses)
    while (flooding) {
      const status = await send(localAddress)
      statuses[status] = (statuses[status] ?? 0) + 1
      // A refused caller waits as Retry-After asks (1 s), as @sanity/client does.
      if (status === 429 || status === 503) await new Promise((r) => setTimeout(r, 1000))
    }
  })
  return {
    async stop() {
      flooding = false
      await Promise.all(clients)
      agent.destroy()
      return statuses
    },
  }
}

/**
 * The flood on a thread of its own, or with `sameLoop` on this thread (as the bench ran it until
 * 2026-12-06: the editor's timings then include the clients' callbacks). Resolves once the
 * clients have started.
 */
export async function startFlood(
  options: FloodOptions,
  sameLoop = false,
): Promise<{stop(): Promise<Statuses>}> {
  if (sameLoop) return flood(options)
  const worker = new Worker(new URL(import.meta.url), {workerData: options})
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve())
    worker.once('error', reject)
  })
  return {
    async stop() {
      const answered = new Promise<Statuses>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
      worker.postMessage('stop')
      const statuses = await answered
      await worker.terminate()
      return statuses
    },
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort
  const running = flood(workerData as FloodOptions)
  port.postMessage('started')
  port.once('message', () => {
    void running.stop().then((statuses) => port.postMessage(statuses))
  })
}

/**
 * An HTTP proxy in front of a test lake, for the faults a client meets on the way (the import's
 * tests): each request is given to `fault`, which answers it itself ('handled': a refusal, a reset,
 * a client killed before its write left) or lets it through to the lake, then may take the lake's
 * answer itself (`onAnswer` 'handled': the write done, its answer lost); else the answer is passed
 * back as the lake gave it.
 */
import {createServer, request, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export type Fault =
  'handled' | undefined | {onAnswer(answer: IncomingMessage): 'handled' | undefined}

export interface FaultProxy {
  url: string
  close(): Promise<void>
}

export async function startFaultProxy(
  target: string,
  fault: (incoming: IncomingMessage, outgoing: ServerResponse) => Fault,
): Promise<FaultProxy> {
  const lake = new URL(target)
  const proxy = createServer((incoming, outgoing) => {
    const decided = fault(incoming, outgoing)
    if (decided === 'handled') return
    const forwarded = request(
      {
        host: lake.hostname,
        port: lake.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        if (decided?.onAnswer(answer) === 'handled') return
        outgoing.writeHead(answer.statusCode!, answer.headers)
        answer.pipe(outgoing)
      },
    )
    incoming.pipe(forwarded)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    async close() {
      proxy.closeAllConnections()
      await new Promise((resolve) => proxy.close(resolve))
    },
  }
}

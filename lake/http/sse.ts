/** Server-Sent Events framing shared by `/data/listen` and `/data/live/events`. */

const encoder = new TextEncoder()

/**
 * One SSE message. JSON never contains raw line breaks, so `data` is a single line; an id with a
 * line break (a client-chosen transaction id can have one) is left out rather than split the event.
 */
export function sse(event: string, data: unknown, id?: string): string {
  const idLine = id && !/[\r\n\0]/.test(id) ? `id: ${id}\n` : ''
  return `event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`
}

export function sseBytes(text: string): Uint8Array {
  return encoder.encode(text)
}

export function sseResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
    },
  })
}

/**
 * `{"documents":[…]…}` answers built from documents' JSON texts (data/doc, history at a
 * revision), a document per chunk: a large answer is never copied into one buffer, and the event
 * loop is free between chunks.
 */

/** Bytes of documents sent as one buffer (a copy of them costs well under a millisecond). */
const SMALL_ANSWER = 256 * 1024

/** `{"documents":[<texts joined by commas><tail>`; `tail` closes the list and the object. */
export function documentsAnswer(
  documents: Uint8Array[],
  tail: string,
): ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [Buffer.from('{"documents":[')]
  documents.forEach((text, i) => parts.push(...(i === 0 ? [text] : [COMMA, text])))
  parts.push(Buffer.from(tail))
  let length = 0
  for (const part of parts) length += part.byteLength
  if (length <= SMALL_ANSWER) return new Uint8Array(Buffer.concat(parts))
  let next = 0
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A turn of the event loop per part: the server reads the stream in a loop of promises,
        // which alone would send the whole answer in one task.
        await new Promise((resolve) => setImmediate(resolve))
        controller.enqueue(parts[next]!)
        // Sent: the stream holds no reference to it any more.
        parts[next++] = EMPTY
        if (next === parts.length) controller.close()
      },
    },
    {highWaterMark: 0},
  )
}

const COMMA = Buffer.from(',')
const EMPTY = new Uint8Array(0)

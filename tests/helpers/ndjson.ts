/**
 * The lines of an NDJSON answer, each parsed: `first`, the chunk a test already took from `reader`
 * (to act between the stream's start and its end), then the rest of the stream.
 */
export async function ndjsonLines(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  first: Uint8Array,
): Promise<Record<string, unknown>[]> {
  const chunks = [first]
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(next.value)
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

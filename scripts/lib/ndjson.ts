/**
 * NDJSON as `sanity dataset import` reads it: one document per line. JSON.stringify leaves
 * non-ASCII text as it is, so Bengali stays readable in the file.
 */

/** One document per line, each line ending in a newline. */
export function toNdjson(documents: readonly object[]): string {
  return documents.map((document) => JSON.stringify(document) + '\n').join('')
}

/** Parses NDJSON text (blank lines are ignored). */
export function parseNdjson(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown)
}

/** The pathological queries of issue 9, as a web page could send them to the lake anonymously. */

/** Quadratic in $s: with 1,500 characters it kept the lake's event loop busy for ~7 s. */
export const SPLIT_QUERY = 'count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0])'

export function pathologicalUrl(base: string, dataset = 'test', length = 1500): string {
  const s = 'ক'.repeat(length)
  const search = new URLSearchParams({query: SPLIT_QUERY, $s: JSON.stringify(s)})
  return `${base}/v2025-02-19/data/query/${dataset}?${search}`
}

/** Milliseconds a request takes to answer (status included). */
export async function timed(
  url: string,
  init?: RequestInit,
): Promise<{ms: number; status: number}> {
  const started = performance.now()
  const res = await fetch(url, init)
  await res.arrayBuffer()
  return {ms: performance.now() - started, status: res.status}
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/**
 * A listener filter over one document whose string field `s` has `length` characters: each
 * character of s against every other one, work square in its length (~0.15 s at 300, seconds at
 * 1,600 on this machine). The query pool's tests use it as a task of chosen CPU.
 */
export function squareFilter(length: number) {
  return {
    kind: 'filter' as const,
    query: '*[count(string::split(s, "")[count(string::split(^.s, "")[@ == "x"]) > 0]) > 0]',
    params: {},
    identity: 'x',
    documents: [{_id: 'a', _type: 'a', s: 'x'.repeat(length)}],
  }
}

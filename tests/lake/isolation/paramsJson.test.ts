/**
 * The parameters' JSON checkQueryText makes while counting their bytes, which the live query's key
 * reuses (760 KB of parameters cost the event loop ~22 ms a serialisation): JSON.stringify's. How
 * often the event loop parses, serialises or clones a large POST's parameters (never):
 * paramsOnThread.test.ts.
 */
import {expect, it} from 'vitest'
import {checkQueryText} from '../../../lake/core/limits.ts'
import {requestKey} from '../../../lake/core/query.ts'

const params = {
  ids: Array.from({length: 3_000}, (_, i) => `id-${i}`),
  title: 'নির্বাচন',
}

it("the parameters' JSON made while counting their bytes, and the keys made of it, are JSON.stringify's", () => {
  const cases: Record<string, unknown>[] = [
    {},
    params,
    {'নাম "quoted"\n': [1, -2.5, null, true, {a: {b: ['\u2028', '\ud800']}}], empty: ''},
    {gone: undefined, kept: 1, also: undefined},
    {gone: undefined},
  ]
  for (const value of cases) {
    const {paramsJson} = checkQueryText('*', value)
    expect(paramsJson).toBe(JSON.stringify(value))
    const rest = [{kind: 'published'}, undefined, 'editor:u1']
    expect(requestKey('*[_id == "a"]', paramsJson, rest)).toBe(
      JSON.stringify(['*[_id == "a"]', value, ...rest]),
    )
    expect(requestKey('q', paramsJson, [])).toBe(JSON.stringify(['q', value]))
  }
})

/**
 * A perspective that is not one is refused with hosted Sanity's 400 and error shape
 * (`{"error": {"type", "description"}}`), before any work and whoever asks. Before, a stray comma
 * (`drafts,`) was read as `drafts`, a POST body's non-string perspective was dropped for the
 * default, and an anonymous caller of a private dataset was answered 200 `[]` for both.
 */
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({inProcess: true})
const API = '/v2025-02-19'
const QUERY = encodeURIComponent('*[_type == "article"]._id')

function api(path: string, init: RequestInit & {anonymous?: boolean} = {}) {
  const headers = new Headers(init.headers)
  if (!init.anonymous) headers.set('authorization', `Bearer ${lake().token}`)
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  return lake().fetch(`${lake().url}${API}${path}`, {...init, headers})
}

async function expectRefused(res: Response, type: string, description: RegExp) {
  const body = await res.json()
  expect(res.status, JSON.stringify(body)).toBe(400)
  expect(body).toEqual({error: {type, description: expect.stringMatching(description)}})
}

const INVALID: [string, RegExp][] = [
  ['drafts,', /Invalid perspective "drafts,": it has an empty name/],
  [',drafts', /Invalid perspective ",drafts": it has an empty name/],
  ['rABC,,drafts', /it has an empty name/],
  [' ', /it has an empty name/],
  ['raw,drafts', /Invalid perspective "raw,drafts": "raw" cannot be combined with others/],
  ['["x"]', /"\[\\"x\\"\]" is no release name/],
  ['drafts.x', /"drafts.x" is no release name/],
]

describe.each([
  ['a signed-in caller', false],
  ['an anonymous caller of a private dataset', true],
])('%s', (_, anonymous) => {
  it.each(INVALID)('GET with perspective=%j is a 400 httpBadRequest', async (value, why) => {
    const res = await api(
      `/data/query/test?query=${QUERY}&perspective=${encodeURIComponent(value)}`,
      {
        anonymous,
      },
    )
    await expectRefused(res, 'httpBadRequest', why)
  })

  it.each(INVALID)('POST with ?perspective=%j is a 400 httpBadRequest', async (value, why) => {
    const res = await api(`/data/query/test?perspective=${encodeURIComponent(value)}`, {
      method: 'POST',
      body: JSON.stringify({query: '*[_type == "article"]._id'}),
      anonymous,
    })
    await expectRefused(res, 'httpBadRequest', why)
  })

  it.each([[['x']], [['drafts']], [5], [{drafts: true}], [true]])(
    'a POST body with perspective %j is a 400 httpInvalidRequestBody',
    async (perspective) => {
      const res = await api('/data/query/test', {
        method: 'POST',
        body: JSON.stringify({query: '*[_type == "article"]._id', perspective}),
        anonymous,
      })
      await expectRefused(
        res,
        'httpInvalidRequestBody',
        /"perspective" in the body must be a string/,
      )
    },
  )
})

describe('perspectives that are ones still answer', () => {
  it.each(['', 'raw', 'published', 'drafts', 'previewDrafts', 'rABC,drafts', 'r1, drafts'])(
    'perspective=%j is a 200',
    async (value) => {
      const res = await api(
        `/data/query/test?query=${QUERY}&perspective=${encodeURIComponent(value)}`,
      )
      expect(res.status, await res.clone().text()).toBe(200)
      expect((await res.json()).result).toEqual([])
    },
  )

  it('a POST body perspective as a string, or null, is taken', async () => {
    for (const perspective of ['drafts', null]) {
      const res = await api('/data/query/test', {
        method: 'POST',
        body: JSON.stringify({query: '*[_type == "article"]._id', perspective}),
      })
      expect(res.status).toBe(200)
    }
  })
})

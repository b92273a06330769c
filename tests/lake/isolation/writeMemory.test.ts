// A write body that needs more memory to read than a thread may use (--query-memory) is refused as
// a transaction too large, as its build would be, with how to split it: not as a query's memory
// limit ("select fewer documents or fields"), which no write has. A lake of its own with a small
// thread memory, so that a 9 MB body (three million empty objects) passes it.
import {expect, test} from 'vitest'
import {API, useChildLake} from './childLake.ts'

const lake = useChildLake('write-memory', {args: ['--query-memory', '64'], warm: true})

const items = `[${'{},'.repeat(3_000_000)}{}]`

const bodies = {
  mutate: `{"mutations": [{"createOrReplace": {"_id": "x", "_type": "article", "items": ${items}}}]}`,
  actions: `{"actions": [{"actionType": "sanity.action.document.create", "publishedId": "x", "attributes": {"_id": "drafts.x", "_type": "article", "items": ${items}}}]}`,
}

test.each([
  ['mutate', 'mutationError', 'mutations'],
  ['actions', 'actionError', 'actions'],
] as const)(
  '%s: a body past the thread memory is a 400 transactionTooLargeError saying to split it',
  async (route, type, verb) => {
    const res = await fetch(`${lake.url}/${API}/data/${route}/test`, {
      method: 'POST',
      headers: lake.headers(),
      body: bodies[route],
    })
    const body = (await res.json()) as {
      error: {type: string; description: string; items: {error: {type: string}}[]}
    }
    expect(res.status, JSON.stringify(body)).toBe(400)
    // On main: queryMemoryLimitError, "Query needed more than the 64 MB a query may use".
    expect(body.error.type).toBe(type)
    expect(body.error.items[0].error.type).toBe('transactionTooLargeError')
    expect(body.error.description).toContain(`split the ${verb} into several transactions`)
    expect((await fetch(`${lake.url}/${API}/ping`)).status).toBe(200)
  },
  120_000,
)

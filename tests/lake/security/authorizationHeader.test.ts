/**
 * An Authorization header sent twice (or one holding two credentials joined by a comma, which is
 * what two become once joined: HTTP/1.1 and HTTP/2 alike) is a 401 saying so and how to fix it,
 * never a guess at which one was meant. Before, its 401 said the header "must be \"Bearer
 * <token>\"", which each of the two was. No token is echoed.
 */
import {request} from 'node:http'
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({tls: false})

/** GET `path` with `headers` sent as given, duplicates included. */
function get(path: string, headers: [string, string][]): Promise<{status: number; text: string}> {
  const url = new URL(`/v2025-02-19${path}`, lake().url)
  return new Promise((resolve, reject) => {
    // As raw headers Node adds no Host of its own.
    const raw = [['host', url.host], ...headers].flat()
    const req = request(url, {headers: raw, agent: false}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({status: res.statusCode ?? 0, text}))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('two Authorization credentials', () => {
  it.each([
    ['two headers, the good one first', (t: string) => [`Bearer ${t}`, 'Bearer nope']],
    ['two headers, the good one last', (t: string) => ['Bearer nope', `Bearer ${t}`]],
    ['the same token twice', (t: string) => [`Bearer ${t}`, `Bearer ${t}`]],
    ['one header of two joined', (t: string) => [`Bearer ${t}, Bearer nope`]],
  ])('%s: a 401 saying there are two and to send one', async (_, values) => {
    const token = lake().token
    const sent = values(token).map((value): [string, string] => ['authorization', value])
    const {status, text} = await get('/data/query/test?query=count(*)', sent)
    expect(status, text).toBe(401)
    const {message} = JSON.parse(text) as {message: string}
    expect(message).toBe(
      'The request has 2 Authorization credentials (several headers, or one holding them joined by ' +
        'commas): send one, "Bearer <token>"',
    )
    expect(text).not.toContain(token)
  })

  it('one is taken as before, and a malformed one is refused as before', async () => {
    const one = await get('/data/query/test?query=count(*)', [
      ['authorization', `Bearer ${lake().token}`],
    ])
    expect(one.status, one.text).toBe(200)
    const basic = await get('/data/query/test?query=count(*)', [['authorization', 'Basic eDp5']])
    expect(basic.status).toBe(401)
    expect(JSON.parse(basic.text).message).toBe('Authorization header must be "Bearer <token>"')
  })
})

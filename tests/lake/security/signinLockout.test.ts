/**
 * review25b: any web page could lock everyone out of sign-in. The form's POST is a simple
 * cross-site request, and its only origin check was the form's own `origin` field, which the
 * page fills in: six posts for admin@localhost locked the administrator out for 15 minutes, from
 * every address. The lake's form posts from the lake's own page (the Studio navigates there), so
 * a post whose Origin, or Referer without one, is another site's is refused before it counts; and
 * failures lock an e-mail at the address they came from, not everywhere.
 * Requests from addresses of their own (127.0.0.x), as different computers.
 */
import {request} from 'node:https'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, TEST_ADMIN, type TestLake} from '../../helpers/lake.ts'

const STUDIO = 'http://localhost:3333'
let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
  await lake.server.lake.auth!.store.addUser({
    email: 'rina@example.com',
    name: 'রিনা দাস',
    role: 'contributor',
    password: 'রিনার-পাসওয়ার্ড',
  })
})

afterAll(async () => {
  await lake?.close()
})

interface Answer {
  status: number
  location: string | undefined
  body: string
}

/** The sign-in form's POST from `from`, with `headers` as a browser (or a script) sends them. */
function signIn(
  from: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const body = new URLSearchParams({email, password, origin: `${STUDIO}/structure`}).toString()
  return new Promise((resolve, reject) => {
    const req = request(
      `${lake.url}/auth/login/local`,
      {
        method: 'POST',
        agent: false,
        localAddress: from,
        ca: lake.ca!,
        headers: {'content-type': 'application/x-www-form-urlencoded', ...headers},
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () =>
          resolve({status: res.statusCode!, location: res.headers.location, body: text}),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe("the sign-in form's origin", () => {
  it("refuses another site's post (Origin, or Referer without one) before it counts as a failure", async () => {
    const evil: Record<string, string>[] = [
      {origin: 'https://evil.example'},
      {origin: 'null'},
      {referer: 'https://evil.example/page'},
    ]
    for (const headers of evil) {
      for (let i = 0; i < 6; i++) {
        const answer = await signIn('127.0.0.21', TEST_ADMIN.email, 'wrong', headers)
        expect([headers, answer.status]).toEqual([headers, 403])
        expect(answer.body).toContain('Sign in from the Studio')
      }
    }
    // Nothing was counted: the administrator still signs in, from the same address too.
    const own = await signIn('127.0.0.21', TEST_ADMIN.email, TEST_ADMIN.password, {
      origin: new URL(lake.url).origin,
    })
    expect(own.status).toBe(302)
    expect(own.location).toMatch(/^http:\/\/localhost:3333\/structure#sid=/)
  })

  it("takes the lake's own page, the Studio's origins and a script without Origin or Referer", async () => {
    const allowed: Record<string, string>[] = [
      {origin: new URL(lake.url).origin},
      {referer: `${lake.url}/auth/login/local?origin=x`},
      {origin: STUDIO},
      {},
    ]
    for (const headers of allowed) {
      const answer = await signIn('127.0.0.22', 'rina@example.com', 'রিনার-পাসওয়ার্ড', headers)
      expect([headers, answer.status]).toEqual([headers, 302])
    }
  })
})

describe('failed sign-ins', () => {
  it('lock the e-mail at the address they came from; a correct password from another still signs in', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await signIn('127.0.0.23', 'rina@example.com', `wrong-${i}`)).status).toBe(401)
    }
    const locked = await signIn('127.0.0.23', 'rina@example.com', 'রিনার-পাসওয়ার্ড')
    expect(locked.status).toBe(429)
    expect((await signIn('127.0.0.24', 'rina@example.com', 'রিনার-পাসওয়ার্ড')).status).toBe(302)
    // Guessing from the other address is limited there just the same.
    for (let i = 0; i < 5; i++) {
      expect((await signIn('127.0.0.24', 'rina@example.com', `wrong-${i}`)).status).toBe(401)
    }
    expect((await signIn('127.0.0.24', 'rina@example.com', 'wrong')).status).toBe(429)
  })
})

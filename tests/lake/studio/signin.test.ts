/**
 * The sign-in flow the Studio's login screen drives (provider → form → `#sid=` redirect →
 * `auth/fetch` → token → `users/me` → `auth/logout`), over HTTP/2 and HTTP/1.1.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, TEST_ADMIN, type TestLake} from '../../helpers/lake.ts'
import {TRANSPORTS, type Transport} from './transport.ts'

const STUDIO = 'http://localhost:3333'
let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
  const auth = lake.server.lake.auth!.store
  for (const name of ['h2', 'h1']) {
    await auth.addUser({
      email: `limit-${name}@example.com`,
      name: 'Limit',
      role: 'editor',
      password: 'correct-horse',
    })
  }
  await auth.addUser({
    email: 'rina@example.com',
    name: 'রিনা দাস',
    role: 'contributor',
    password: 'রিনার-পাসওয়ার্ড',
  })
})

afterAll(async () => {
  await lake?.close()
})

function form(fields: Record<string, string>): {headers: Record<string, string>; body: string} {
  return {
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams(fields).toString(),
  }
}

const loginFields = (email: string, password: string) => ({
  email,
  password,
  origin: `${STUDIO}/structure`,
  projectId: 'local',
  withSid: 'true',
})

describe.each(TRANSPORTS)('sign-in over $name', ({make}) => {
  let t: Transport
  beforeAll(() => {
    t = make()
  })
  afterAll(() => t.close())

  it('offers the local provider on the apiHost', async () => {
    const res = await t.request(`${lake.url}/v2026-05-04/auth/providers`)
    expect(res.status).toBe(200)
    expect(res.protocol).toBe(t.name === 'HTTP/2' ? 'h2' : 'http/1.1')
    const body = res.json<{providers: {name: string; url: string}[]}>()
    expect(body.providers).toEqual([
      expect.objectContaining({name: 'local', url: `${lake.url}/auth/login/local`}),
    ])
  })

  it('shows a real form that keeps origin, projectId and withSid, in Bengali and English', async () => {
    const query = new URLSearchParams({
      origin: `${STUDIO}/structure`,
      projectId: 'local',
      withSid: 'true',
    })
    const res = await t.request(`${lake.url}/auth/login/local?${query}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.text).toMatch(/<form method="post" action="\/auth\/login\/local(\?[^"]*)?">/)
    expect(res.text).toMatch(/<input id="email" name="email" type="email"/)
    expect(res.text).toMatch(/<input id="password" name="password" type="password"/)
    expect(res.text).toContain(`name="origin" value="${STUDIO}/structure"`)
    expect(res.text).toContain('name="projectId" value="local"')
    expect(res.text).toContain('name="withSid" value="true"')
    expect(res.text).toContain('ইমেইল')
    expect(res.text).toContain('পাসওয়ার্ড')
    expect(res.text).toContain('Password')
  })

  it('signs in: redirect with #sid, token exchange, users/me, logout', async () => {
    const posted = await t.request(`${lake.url}/auth/login/local`, {
      method: 'POST',
      ...form(loginFields(TEST_ADMIN.email, TEST_ADMIN.password)),
    })
    expect(posted.status).toBe(302)
    const location = new URL(posted.headers.get('location')!)
    expect(location.origin + location.pathname).toBe(`${STUDIO}/structure`)
    // The Studio's own pattern for the hash.
    const sid = /sid=([^&]{20,})&?/.exec(location.hash)?.[1]
    expect(sid).toBeDefined()

    const fetched = await t.request(
      `${lake.url}/v2026-05-04/auth/fetch?sid=${sid}&tag=sanity.studio.auth.fetch-token`,
      {headers: {origin: STUDIO}},
    )
    expect(fetched.status).toBe(200)
    expect(fetched.headers.get('access-control-allow-origin')).toBe(STUDIO)
    expect(fetched.headers.get('access-control-allow-credentials')).toBe('true')
    const {token} = fetched.json<{token: string}>()
    expect(token.length).toBeGreaterThanOrEqual(32)

    // A sid is single-use.
    const again = await t.request(`${lake.url}/v2026-05-04/auth/fetch?sid=${sid}`)
    expect(again.status).toBe(401)

    const bearer = {authorization: `Bearer ${token}`}
    const me = await t.request(`${lake.url}/v2026-05-04/users/me`, {headers: bearer})
    expect(me.status).toBe(200)
    expect(me.json()).toMatchObject({
      id: expect.stringMatching(/^p/),
      email: TEST_ADMIN.email,
      role: 'administrator',
      roles: [{name: 'administrator', title: 'Administrator'}],
      provider: 'local',
      profileImage: null,
    })
    const id = (await t.request(`${lake.url}/v2026-05-04/auth/id`, {headers: bearer})).json()
    expect(id).toEqual({id: me.json<{id: string}>().id})

    const out = await t.request(`${lake.url}/v2026-05-04/auth/logout`, {
      method: 'POST',
      headers: bearer,
    })
    expect(out.status).toBe(204)
    const after = await t.request(`${lake.url}/v2026-05-04/users/me`, {headers: bearer})
    expect(after.status).toBe(401)
    // Anonymous: {} means "not logged in" to the Studio.
    const anonymous = await t.request(`${lake.url}/v2026-05-04/users/me`)
    expect(anonymous.status).toBe(200)
    expect(anonymous.json()).toEqual({})
  })

  it('signs in with a Bengali password', async () => {
    const posted = await t.request(`${lake.url}/auth/login/local`, {
      method: 'POST',
      ...form(loginFields('RINA@example.com', 'রিনার-পাসওয়ার্ড')),
    })
    expect(posted.status).toBe(302)
  })

  it('answers a wrong password with the form again and a message, 401', async () => {
    const res = await t.request(`${lake.url}/auth/login/local`, {
      method: 'POST',
      ...form(loginFields('rina@example.com', 'wrong-password')),
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('location')).toBeNull()
    expect(res.text).toContain('ইমেইল বা পাসওয়ার্ড মেলেনি')
    expect(res.text).toContain('Wrong e-mail or password')
    expect(res.text).toMatch(/<form method="post"/)
    // The e-mail stays filled in, the origin is kept.
    expect(res.text).toContain('value="rina@example.com"')
    expect(res.text).toContain(`name="origin" value="${STUDIO}/structure"`)
  })

  it('refuses to redirect to an origin the lake does not serve', async () => {
    const res = await t.request(`${lake.url}/auth/login/local`, {
      method: 'POST',
      ...form({
        ...loginFields(TEST_ADMIN.email, TEST_ADMIN.password),
        origin: 'https://evil.example/',
      }),
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('rate-limits failed logins per e-mail, even a correct password then, 429', async () => {
    const email = `limit-${t.name === 'HTTP/2' ? 'h2' : 'h1'}@example.com`
    for (let i = 0; i < 5; i++) {
      const res = await t.request(`${lake.url}/auth/login/local`, {
        method: 'POST',
        ...form(loginFields(email, `wrong-${i}`)),
      })
      expect(res.status).toBe(401)
    }
    const limited = await t.request(`${lake.url}/auth/login/local`, {
      method: 'POST',
      ...form(loginFields(email, 'correct-horse')),
    })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.text).toContain('Too many failed sign-in attempts')
    expect(limited.text).toContain('অনেকবার ভুল চেষ্টা হয়েছে')
    // Other accounts from the same address still sign in.
    const other = await t.request(`${lake.url}/auth/login/local`, {
      method: 'POST',
      ...form(loginFields('rina@example.com', 'রিনার-পাসওয়ার্ড')),
    })
    expect(other.status).toBe(302)
  })

  it('answers an unknown token with 401 and a Sanity-style error body', async () => {
    const res = await t.request(`${lake.url}/v2025-02-19/data/query/test?query=1`, {
      headers: {authorization: 'Bearer sk000000000000nope'},
    })
    expect(res.status).toBe(401)
    expect(res.json()).toMatchObject({statusCode: 401, error: 'Unauthorized'})
  })
})

/**
 * An editor whose session ended (signed out elsewhere, removed, expired, a revoked token) keeps
 * what they typed: the Studio 6.9.2 parks a refused commit and asks them to sign in again only
 * when the 401 says the session is gone (`errorCode` `SIO-401-ANF` or `SIO-401-AEX`); any other
 * 401 is final and drops the buffered edits (`TERMINAL_COMMIT_STATUSES`, `submitCommitRequest`).
 * The Studio's own `isInvalidSessionError` and `getApiErrorCode` judge the lake's answers here.
 *
 * Sanity exports them from its entry point too, but that loads the whole Studio: they are taken
 * from the bundle chunk that defines them, named as that chunk exports them, so a Sanity upgrade
 * that moves them fails here rather than silently testing something else.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {SanityClient} from '@sanity/client'
import {beforeAll, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const DAY = 24 * 60 * 60 * 1000
let offset = 0
const lake = useTestLake({now: () => new Date(Date.now() + offset)})

interface StudioSessionCode {
  isInvalidSessionError(err: unknown): boolean
  getApiErrorCode(err: unknown): string | undefined
}

async function studioSessionCode(): Promise<StudioSessionCode> {
  const lib = join(dirname(createRequire(import.meta.url).resolve('sanity/package.json')), 'lib')
  const wanted = ['isInvalidSessionError', 'getApiErrorCode'] as const
  for (const file of readdirSync(lib).filter((name) => name.endsWith('.js'))) {
    const source = readFileSync(join(lib, file), 'utf8')
    if (!source.includes('function isInvalidSessionError(')) continue
    const exported = source.slice(source.lastIndexOf('export {'))
    const alias = (name: string) =>
      new RegExp(`\\b${name} as (\\w+)`).exec(exported)?.[1] ?? expect.fail(`${name} not exported`)
    const chunk = await import(pathToFileURL(join(lib, file)).href)
    return Object.fromEntries(wanted.map((name) => [name, chunk[alias(name)]])) as never
  }
  return expect.fail('No chunk of sanity defines isInvalidSessionError')
}

let studio: StudioSessionCode
let typed = 0

beforeAll(async () => {
  studio = await studioSessionCode()
  await lake().client().createOrReplace({_id: 's1', _type: 'article', title: 'published'})
})

/** A session as the Studio gets one: the sign-in's sid exchanged at `auth/fetch`. */
async function signIn(email: string): Promise<SanityClient> {
  const auth = lake().server.lake.auth!.store
  const user =
    auth.listUsers().find((found) => found.email === email) ??
    (await auth.addUser({email, role: 'editor', password: 'a-password'}))
  const anonymous = lake().client({token: undefined})
  const {token} = await anonymous.request<{token: string}>({
    uri: '/auth/fetch',
    query: {sid: auth.createSid(user.id)},
  })
  return lake().client({token})
}

/** The Studio's first edit of a published story (the action that makes its draft). */
const edit = (client: SanityClient) =>
  client.action({
    actionType: 'sanity.action.document.edit',
    draftId: 'drafts.s1',
    publishedId: 's1',
    patch: {set: {title: `typed ${++typed}`}},
  })

async function refusal(client: SanityClient): Promise<unknown> {
  const err = await edit(client).then(
    () => expect.fail('the edit was accepted'),
    (thrown: unknown) => thrown,
  )
  expect(err).toMatchObject({statusCode: 401})
  return err
}

it('a session signed out is one the Studio asks to sign in again for (SIO-401-ANF)', async () => {
  const client = await signIn('rina@example.com')
  await edit(client)
  await client.request({method: 'POST', uri: '/auth/logout'})
  const err = await refusal(client)
  expect(studio.getApiErrorCode(err)).toBe('SIO-401-ANF')
  expect(studio.isInvalidSessionError(err)).toBe(true)
})

it('a removed user, a revoked API token and a made-up token are sessions not found', async () => {
  const client = await signIn('gone@example.com')
  await edit(client)
  expect(lake().server.lake.auth!.store.removeUser('gone@example.com')).toBe(true)
  expect(studio.getApiErrorCode(await refusal(client))).toBe('SIO-401-ANF')

  const auth = lake().server.lake.auth!.store
  const {token} = await auth.createToken({label: 'robot', role: 'editor'})
  await edit(lake().client({token}))
  expect(auth.revokeToken(token)).toBe(true)
  expect(studio.getApiErrorCode(await refusal(lake().client({token})))).toBe('SIO-401-ANF')

  const madeUp = await refusal(lake().client({token: 'not-a-token-of-this-lake'}))
  expect(studio.isInvalidSessionError(madeUp)).toBe(true)
})

it('an expired session says so (SIO-401-AEX), and signing in again saves the edit', async () => {
  const client = await signIn('mita@example.com')
  await edit(client)
  offset += 31 * DAY
  try {
    const err = await refusal(client)
    expect(studio.getApiErrorCode(err)).toBe('SIO-401-AEX')
    expect(studio.isInvalidSessionError(err)).toBe(true)
    // What the Studio's retry after its sign-in dialog does: the same edit, a new session.
    const again = await signIn('mita@example.com')
    await edit(again)
    expect((await lake().client().getDocument('drafts.s1'))?.title).toBe(`typed ${typed}`)
  } finally {
    offset -= 31 * DAY
  }
})

it('a 401 that is no session ending stays one the Studio treats as final', async () => {
  // No token at all: the caller never had a session to sign in to again.
  const err = await refusal(lake().client({token: undefined}))
  expect(studio.getApiErrorCode(err)).toBeUndefined()
  expect(studio.isInvalidSessionError(err)).toBe(false)
})

it('what else the Studio calls with a session signed out: the same 401, errorCode and all', async () => {
  const client = await signIn('anu@example.com')
  const {token} = client.config()
  await client.request({method: 'POST', uri: '/auth/logout'})
  const headers = {authorization: `Bearer ${token}`}
  const base = `${lake().url}/v2025-02-19`
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  )
  for (const [what, request] of [
    ['users/me', fetch(`${base}/users/me`, {headers})],
    ['a listener (re)connecting', fetch(`${base}/data/listen/test?query=*`, {headers})],
    ['an image upload', fetch(`${base}/assets/images/test`, {method: 'POST', headers, body: png})],
  ] as const) {
    const answer = await request
    expect([what, answer.status]).toEqual([what, 401])
    expect([what, await answer.json()]).toMatchObject([what, {errorCode: 'SIO-401-ANF'}])
  }
})

/**
 * Identity for the Studio: `users/me` (who is signed in, with role), `users/{ids}` (names for
 * history and avatars) and `users/me/keyvalue` (per-user Studio settings such as list layout).
 */
import {Hono} from 'hono'
import type {AuthStore} from '../../auth/authStore.ts'
import {BadRequestError, TooLargeError} from '../../core/errors.ts'
import {shallowText, tooDeepMember} from '../../core/jsonDepth.ts'
import {LIMITS, NON_FINITE, walkDocument} from '../../core/limits.ts'
import {ROLE_TITLES, type Principal, type RoleName} from '../../core/grants.ts'
import {jsonBody} from '../nodeRequest.ts'
import {getPrincipal, requireSignedIn} from '../principal.ts'
import {studioOf} from '../studioContext.ts'

const MAX_KEYS = 100
const MAX_KEY_BYTES = 1024

/**
 * Refuses from its bytes, before the parse, a body whose setting nests past LIMITS.keyValueDepth
 * by more than its pair's level (the parsed pairs are checked exactly after): parsed first,
 * 500,000 nested brackets (1 MiB, what the route takes) held the event loop 0.6 s. The key is read
 * from its pair with the values cut away.
 */
function refuseDeepValue(bytes: Uint8Array): void {
  const max = LIMITS.keyValueDepth
  const deep = tooDeepMember(bytes, max + 1)
  if (deep === null) return
  // A list's pair, or the one pair's member.
  let key: unknown
  try {
    const pair: unknown = JSON.parse(shallowText(bytes, deep.member === null ? deep.at : 0, 1)!)
    key = (pair as {key?: unknown}).key
  } catch {
    // No pair to name: the shape's message.
  }
  if (typeof key !== 'string' || !key) throw new BadRequestError(PAIRS)
  throw new BadRequestError(
    `Value of "${key.slice(0, 64)}" nests arrays or objects more than ${max} deep`,
  )
}

const PAIRS = 'Body must be [{"key": "<string>", "value": <json>}, …]'

/** The `users/me` body (v2026-05-04 shape the Studio reads). */
export function currentUser(principal: Principal) {
  const role = principal.role as RoleName
  return {
    id: principal.id,
    name: principal.name ?? principal.id,
    email: principal.email ?? null,
    profileImage: null,
    role,
    roles: [{name: role, title: ROLE_TITLES[role]}],
    provider: principal.kind === 'token' ? 'sanity-token' : 'local',
    isRobot: principal.kind === 'token',
  }
}

/**
 * The avatar of an API token (the import, scripts, a front end): a gear, so the Studio's footer,
 * history and presence never draw a token with a person's initials. A data URL: the Studio fetches
 * nothing from elsewhere for it.
 */
export const ROBOT_AVATAR_URL =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
      '<rect width="32" height="32" fill="#5a6376"/>' +
      '<g fill="none" stroke="#fff" stroke-width="2.2">' +
      '<circle cx="16" cy="16" r="4"/>' +
      '<path d="M16 6v4M16 22v4M6 16h4M22 16h4M8.9 8.9l2.8 2.8M20.3 20.3l2.8 2.8M8.9 23.1l2.8-2.8M20.3 11.7l2.8-2.8"/>' +
      '</g></svg>',
  )

/** A public user record as `users/{ids}` returns it; null for an unknown id. */
export function publicUser(auth: AuthStore, id: string) {
  if (id.startsWith('r')) {
    const token = auth.listTokens({includeRevoked: true}).find((t) => `r${t.id}` === id)
    return token ? {id, displayName: token.label, imageUrl: ROBOT_AVATAR_URL, isRobot: true} : null
  }
  const user = id.startsWith('p') ? auth.getUser(id) : null
  if (!user || user.id !== id) return null
  return {id, displayName: user.name, imageUrl: null, email: user.email, isRobot: false}
}

export function userRoutes(): Hono {
  const app = new Hono()

  // Anonymous callers get `{}`, which the Studio reads as "not logged in" (no 401 in the console).
  app.get('/users/me', (c) => {
    const principal = getPrincipal(c)
    return c.json(principal.kind === 'anonymous' ? {} : currentUser(principal))
  })

  app.get('/users/me/keyvalue/:keys', (c) => {
    const principal = requireSignedIn(c)
    const keys = c.req.param('keys').split(',').filter(Boolean)
    if (keys.length > MAX_KEYS) throw new BadRequestError(`At most ${MAX_KEYS} keys per request`)
    return c.json(studioOf(c).auth.getValues(principal.id, keys))
  })

  app.put('/users/me/keyvalue', async (c) => {
    const principal = requireSignedIn(c)
    const body: unknown = await jsonBody(c, refuseDeepValue)
    const pairs = Array.isArray(body) ? body : [body]
    if (pairs.length > MAX_KEYS) throw new BadRequestError(`At most ${MAX_KEYS} keys per request`)
    for (const pair of pairs) {
      if (!pair || typeof pair !== 'object' || typeof pair.key !== 'string' || !pair.key) {
        throw new BadRequestError(PAIRS)
      }
      if (Buffer.byteLength(pair.key) > MAX_KEY_BYTES) {
        throw new BadRequestError(`Keys may be at most ${MAX_KEY_BYTES} bytes`)
      }
      // SQLite would store it as U+FFFD: "k\ud800" and "k\udc00" one key, neither read back.
      if (!pair.key.isWellFormed()) {
        throw new BadRequestError(
          `Key ${JSON.stringify(pair.key.slice(0, 64))} has a lone UTF-16 surrogate (half of a ` +
            'pair, as when a string is cut inside an emoji), which cannot be stored as it was ' +
            'sent: send whole characters (cut text with Array.from, not slice)',
        )
      }
      // Depth first: JSON.stringify recurses, and a hostile value would overflow the stack.
      const {tooDeep, nonFinite} = walkDocument(pair.value, LIMITS.keyValueDepth)
      if (tooDeep) {
        throw new BadRequestError(
          `Value of "${pair.key}" nests arrays or objects more than ${LIMITS.keyValueDepth} deep`,
        )
      }
      if (nonFinite) throw new BadRequestError(`Value of "${pair.key}" ${NON_FINITE}`)
      // Bytes, not characters: Bengali text takes three bytes a letter.
      const bytes = Buffer.byteLength(JSON.stringify(pair.value ?? null))
      if (bytes > LIMITS.keyValueValueBytes) {
        throw new TooLargeError(
          `Value of "${pair.key}" is ${bytes} bytes as JSON; at most ${LIMITS.keyValueValueBytes}`,
        )
      }
    }
    return c.json(studioOf(c).auth.setValues(principal.id, pairs))
  })

  // One id gives an object ({} when unknown), several an array of the known ones.
  app.get('/users/:ids', (c) => {
    const principal = requireSignedIn(c)
    const ids = c.req
      .param('ids')
      .split(',')
      .map((id) => (id === 'me' ? principal.id : id))
      .filter(Boolean)
    const {auth} = studioOf(c)
    const users = ids.map((id) => publicUser(auth, id))
    if (ids.length === 1) return c.json(users[0] ?? {})
    return c.json(users.filter((user) => user !== null))
  })

  return app
}

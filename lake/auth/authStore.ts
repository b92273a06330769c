/**
 * Users, API tokens, sign-in sessions, failed-login throttling and per-user key/value settings, in
 * <dataDir>/auth.sqlite (node:sqlite). Passwords are kept only as scrypt hashes, tokens as a
 * scrypt hash (`hash`, what a lake before digests reads) and a SHA-256 digest (`digest`, what this
 * lake checks: tokenDigestMatches says why), session ids as digests; a session id (`sid`) is
 * single-use and short-lived, and is exchanged for a session token that expires.
 */
import {hash, randomBytes, randomInt, timingSafeEqual} from 'node:crypto'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {CallerBusyError, TooLargeError} from '../core/errors.ts'
import {type Principal, type RoleName} from '../core/grants.ts'
import {LIMITS} from '../core/limits.ts'
import {
  DUMMY_PASSWORD_HASH,
  PASSWORD_COST,
  TOKEN_COST,
  hashSecret,
  verifySecret,
  type ScryptCost,
} from './hashing.ts'

export interface User {
  /** Sanity-style user id: `p` + 8 characters. */
  id: string
  email: string
  name: string
  role: RoleName
  createdAt: string
}

export interface TokenInfo {
  id: string
  kind: 'api' | 'session'
  label: string
  role: RoleName | null
  userId: string | null
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
  lastUsedAt: string | null
}

export interface LoginLimit {
  /** Failed attempts allowed per e-mail address from one client address within `windowMs`. */
  maxFailures: number
  /**
   * Failed attempts allowed per client address (any e-mail) within `windowMs`. Higher, because on
   * a local lake every browser may come from 127.0.0.1: one person's typos must not lock out all.
   */
  maxFailuresPerClient: number
  windowMs: number
}

export interface AuthStoreOptions {
  /** Path of the SQLite file, or ':memory:'. */
  path: string
  now?: () => Date
  loginLimit?: LoginLimit
  /** Lifetime of a session token handed out by `auth/fetch`. */
  sessionTtlMs?: number
  /** Lifetime of a `sid` between the login redirect and `auth/fetch`. */
  sidTtlMs?: number
  passwordCost?: ScryptCost
}

export type LoginResult =
  | {ok: true; user: User}
  | {ok: false; reason: 'invalid'}
  | {ok: false; reason: 'rateLimited'; retryAfterSeconds: number}

export const DEFAULT_LOGIN_LIMIT: LoginLimit = {
  maxFailures: 5,
  maxFailuresPerClient: 50,
  windowMs: 15 * 60 * 1000,
}
const DAY = 24 * 60 * 60 * 1000
const DEFAULT_SESSION_TTL = 30 * DAY
const DEFAULT_SID_TTL = 5 * 60 * 1000
const TOKEN_PREFIX = 'sk'
const TOKEN_ID_LENGTH = 12
const TOKEN_SECRET_BYTES = 24
const MAX_CACHED_TOKENS = 1000
/** How a token's digest is stored in `tokens.digest` (a lake before it had only `hash`). */
const DIGEST_PREFIX = 'sha256$'
/**
 * scrypt checks of tokens stored by a lake before digests (each given its digest on its first
 * success) running at once, others waiting their turn: half of libuv's four threads, so that
 * checks cannot take every thread file reads need. A token id has one check under way at most,
 * so the wait is bounded by the number of such tokens and a flood for one id holds one thread.
 */
const LEGACY_CHECKS_AT_ONCE = 2
/**
 * auth.sqlite's schema version (PRAGMA user_version). 1: `tokens.digest` beside `tokens.hash`.
 * A lake refuses a file of a later version rather than misread it.
 */
export const AUTH_SCHEMA = 1
/** How long a statement waits for another connection's lock before "database is locked". */
const BUSY_TIMEOUT_MS = 5000

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('api', 'session')),
    label TEXT NOT NULL,
    role TEXT,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
  );
  CREATE TABLE IF NOT EXISTS sids (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
  CREATE TABLE IF NOT EXISTS keyvalue (
    -- a user id or an API token's principal id (robots keep settings too)
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
  );
`

type Row = Record<string, string | number | null>

export type AuthStore = ReturnType<typeof createAuthStore>

export function createAuthStore(options: AuthStoreOptions) {
  const now = options.now ?? (() => new Date())
  const limit = options.loginLimit ?? DEFAULT_LOGIN_LIMIT
  const sessionTtl = options.sessionTtlMs ?? DEFAULT_SESSION_TTL
  const sidTtl = options.sidTtlMs ?? DEFAULT_SID_TTL
  const passwordCost = options.passwordCost ?? PASSWORD_COST
  if (options.path !== ':memory:') {
    mkdirSync(dirname(options.path), {recursive: true, mode: 0o700})
    // Owner-only from the start (SQLite gives its -wal and -shm files the same mode).
    if (!existsSync(options.path)) writeFileSync(options.path, '', {mode: 0o600})
  }
  // The busy timeout before anything reads the file: the first read may find another process
  // holding it (a lake stopping folds the WAL in under an exclusive lock), and without one it
  // failed at once, so `tokens create` exited "database is locked" while the lake restarted.
  const db = new DatabaseSync(options.path, {timeout: BUSY_TIMEOUT_MS})
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA foreign_keys = ON')
  const {user_version: schema} = db.prepare('PRAGMA user_version').get() as {user_version: number}
  if (schema > AUTH_SCHEMA) {
    db.close()
    throw new Error(
      `${options.path} was written by a newer lake (auth schema ${schema}; this lake reads up to ${AUTH_SCHEMA}), so it is left unread and unchanged: upgrade the lake to the version that wrote it, or a later one`,
    )
  }
  db.exec(SCHEMA)
  migrate(db)

  /** Token id → its scrypt check under way (and the digest it checks), for a token stored before digests. */
  const legacyChecks = new Map<string, {digest: string; check: Promise<boolean>}>()
  /** scrypt checks running (at most LEGACY_CHECKS_AT_ONCE), and those waiting for one to end. */
  let legacyRunning = 0
  const legacyWaiting: (() => void)[] = []
  /** Token ids whose scrypt hash, lost to a lake of a544830e, is being written again. */
  const restoring = new Set<string>()
  /** sha256(token) of tokens whose scrypt check failed: a 401's second look costs none. */
  const legacyFailed = new Set<string>()
  /** Revocations and removals made through this store (data_version counts only others'). */
  let localWrites = 0
  /** Token id → when its last_used_at was last written. */
  const lastUseWritten = new Map<string, number>()
  /**
   * sha256(token) → its principal, with the store's version() when it was read: while nothing in
   * the store changed since (another process's write moves data_version, this one's localWrites)
   * and the token has not expired, a request skips the token's row and its user's (a read
   * transaction each, the larger part of a small write's check).
   */
  const principals = new Map<
    string,
    {version: string; principal: Principal; expiresAt: string | null}
  >()
  /**
   * A principal principalForToken made → its entry there (which the map may have dropped since):
   * what isLive needs to know that nothing changed since its token was read.
   */
  const checkedAt = new WeakMap<Principal, {version: string; expiresAt: string | null}>()
  const iso = () => now().toISOString()
  /** Statements by SQL, prepared once: every authenticated request looks its token up. */
  const statements = new Map<string, StatementSync>()
  const statement = (sql: string): StatementSync => {
    let prepared = statements.get(sql)
    if (!prepared) statements.set(sql, (prepared = db.prepare(sql)))
    return prepared
  }

  function toUser(row: Row): User {
    return {
      id: String(row.id),
      email: String(row.email),
      name: String(row.name),
      role: row.role as RoleName,
      createdAt: String(row.created_at),
    }
  }

  function toToken(row: Row): TokenInfo {
    return {
      id: String(row.id),
      kind: row.kind as TokenInfo['kind'],
      label: String(row.label),
      role: (row.role as RoleName | null) ?? null,
      userId: (row.user_id as string | null) ?? null,
      createdAt: String(row.created_at),
      expiresAt: (row.expires_at as string | null) ?? null,
      revokedAt: (row.revoked_at as string | null) ?? null,
      lastUsedAt: (row.last_used_at as string | null) ?? null,
    }
  }

  function getUser(idOrEmail: string): User | null {
    const row = statement('SELECT * FROM users WHERE id = ? OR email = ? COLLATE NOCASE').get(
      idOrEmail,
      idOrEmail,
    ) as Row | undefined
    return row ? toUser(row) : null
  }

  async function issueToken(fields: {
    kind: TokenInfo['kind']
    label: string
    role: RoleName | null
    userId: string | null
    expiresAt: string | null
  }): Promise<{token: string; info: TokenInfo}> {
    const id = randomBytes(TOKEN_ID_LENGTH / 2).toString('hex')
    const token = TOKEN_PREFIX + id + randomBytes(TOKEN_SECRET_BYTES).toString('hex')
    // Both forms: the scrypt hash (one light derivation) keeps the token good for a lake before
    // digests sharing or later reopening this folder.
    const hash = await hashSecret(token, TOKEN_COST)
    statement(
      `INSERT INTO tokens (id, kind, label, role, user_id, hash, digest, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      fields.kind,
      fields.label,
      fields.role,
      fields.userId,
      hash,
      DIGEST_PREFIX + sha256(token),
      iso(),
      fields.expiresAt,
    )
    return {token, info: getToken(id)!}
  }

  function getToken(id: string): TokenInfo | null {
    const row = statement('SELECT * FROM tokens WHERE id = ?').get(id) as Row | undefined
    return row ? toToken(row) : null
  }

  /**
   * The row whose id the token carries (whatever its state) when the token's secret is its own,
   * else null. Every token costs the same whether its id is unknown, revoked, expired, live or
   * its secret wrong: one SHA-256, one lookup, one constant-time compare, no scrypt (a stored
   * scrypt hash cost a live or expired id's wrong secret 1-4 ms of a libuv thread each, an
   * unknown or revoked one nothing, so timing told them apart, and anyone could queue that work).
   * A digest is enough here: a token's secret is 192 random bits, which no hash's speed brings
   * within reach of guessing; scrypt's cost pays only for guessable secrets (passwords). A key
   * (HMAC) would add nothing, as it would sit in the same data folder as the digests.
   */
  async function tokenRowFor(token: string): Promise<Row | null> {
    const id = token.startsWith(TOKEN_PREFIX)
      ? token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + TOKEN_ID_LENGTH)
      : ''
    const row = statement('SELECT * FROM tokens WHERE id = ?').get(id) as Row | undefined
    const stored = row?.digest ? String(row.digest) : ''
    const digest = sha256(token)
    if (row && !stored) {
      // Stored by a lake before digests: a revoked one needs no check; a good one gets its digest
      // beside its hash, which stays for that lake.
      if (row.revoked_at || !(await legacyCheck(id, token, digest, String(row.hash)))) return null
      statement('UPDATE tokens SET digest = ? WHERE id = ? AND digest IS NULL').run(
        DIGEST_PREFIX + digest,
        row.id,
      )
      return row
    }
    if (!tokenDigestMatches(digest, stored)) return null
    if (row && !String(row.hash).startsWith('scrypt$')) restoreHash(id, token)
    return row ?? null
  }

  /**
   * Writes the scrypt hash again for a token whose hash a lake of a544830e replaced by its digest
   * (once, after its secret matched), so that a lake before digests reads it again.
   */
  function restoreHash(id: string, token: string): void {
    if (restoring.has(id)) return
    restoring.add(id)
    void hashSecret(token, TOKEN_COST)
      .then((hash) => {
        statement(`UPDATE tokens SET hash = ? WHERE id = ? AND hash NOT LIKE 'scrypt$%'`).run(
          hash,
          id,
        )
      })
      .catch(() => restoring.delete(id))
  }

  /**
   * One scrypt check of a token stored by a lake before digests: one at a time per token id (a
   * request with another secret for an id being checked is a 429 at no cost; the same secret
   * shares the check), at most LEGACY_CHECKS_AT_ONCE running, the rest waiting their turn.
   */
  function legacyCheck(
    id: string,
    token: string,
    digest: string,
    stored: string,
  ): Promise<boolean> {
    if (legacyFailed.has(digest)) return Promise.resolve(false)
    const underWay = legacyChecks.get(id)
    if (underWay?.digest === digest) return underWay.check
    if (underWay) {
      throw new CallerBusyError(
        'Another secret for this token id, issued by an older lake, is being checked: send the ' +
          'request again in a second (each such token is checked once, then as any other)',
        1,
      )
    }
    const check = (async () => {
      if (legacyRunning < LEGACY_CHECKS_AT_ONCE) legacyRunning++
      else await new Promise<void>((resolve) => legacyWaiting.push(resolve))
      try {
        return await verifySecret(token, stored)
      } finally {
        // The slot goes straight to the next waiting check, else it is given back.
        const next = legacyWaiting.shift()
        if (next) next()
        else legacyRunning--
      }
    })()
      .then((ok) => {
        if (!ok) {
          if (legacyFailed.size >= MAX_CACHED_TOKENS) {
            legacyFailed.delete(legacyFailed.values().next().value!)
          }
          legacyFailed.add(digest)
        }
        return ok
      })
      .finally(() => legacyChecks.delete(id))
    legacyChecks.set(id, {digest, check})
    return check
  }

  /** The live token row behind a token string, or null (unknown, wrong secret, revoked, expired). */
  async function resolveToken(token: string): Promise<Row | null> {
    const row = await tokenRowFor(token)
    if (!row || row.revoked_at) return null
    if (row.expires_at && String(row.expires_at) <= iso()) return null
    return row
  }

  /**
   * Writes a token's last use, at most once a minute: a write (and fsync) per request would cost
   * every request.
   */
  function noteUse(tokenId: string): void {
    const used = now().getTime()
    if (used - (lastUseWritten.get(tokenId) ?? 0) > 60_000) {
      lastUseWritten.set(tokenId, used)
      statement('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(iso(), tokenId)
    }
  }

  /**
   * The throttling keys of an attempt with how many failures each allows; the e-mail first, at the
   * address the attempts come from: an e-mail locked everywhere let anyone lock anyone out by
   * posting wrong passwords in their name, for as long as they kept at it.
   */
  function failureKeys(email: string, clientAddress: string | null): [string, number][] {
    const emailKey = `email:${email.trim().toLowerCase()}`
    const keys: [string, number][] = [
      [clientAddress ? `${emailKey} client:${clientAddress}` : emailKey, limit.maxFailures],
    ]
    if (clientAddress) keys.push([`client:${clientAddress}`, limit.maxFailuresPerClient])
    return keys
  }

  /** Seconds until the caller may try again, or 0 when not throttled. */
  function throttledFor(keys: [string, number][]): number {
    const since = now().getTime() - limit.windowMs
    statement('DELETE FROM login_failures WHERE at <= ?').run(since)
    let wait = 0
    for (const [key, max] of keys) {
      const rows = statement(
        'SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC',
      ).all(key, since) as {at: number}[]
      if (rows.length >= max) {
        // Free again when the oldest of the newest `max` failures leaves the window.
        const freeAt = rows[max - 1].at + limit.windowMs
        wait = Math.max(wait, Math.ceil((freeAt - now().getTime()) / 1000))
      }
    }
    return wait
  }

  const store = {
    /** Adds a user; the e-mail must be new. */
    async addUser(input: {email: string; name?: string; role: RoleName; password: string}) {
      const email = input.email.trim()
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`Not an e-mail address: ${input.email}`)
      if (getUser(email)) throw new Error(`A user with e-mail ${email} already exists`)
      if (input.password.length < 8) throw new Error('Passwords need at least 8 characters')
      const id = 'p' + randomId(8)
      const hash = await hashSecret(input.password, passwordCost)
      statement(
        'INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, email, input.name?.trim() || email.split('@')[0], input.role, hash, iso())
      return getUser(id)!
    },

    getUser,

    listUsers(): User[] {
      return (statement('SELECT * FROM users ORDER BY created_at, email').all() as Row[]).map(
        toUser,
      )
    },

    userCount(): number {
      return Number((statement('SELECT count(*) AS n FROM users').get() as Row).n)
    },

    /** Removes a user with their sessions and settings; true when one was removed. */
    removeUser(idOrEmail: string): boolean {
      const user = getUser(idOrEmail)
      if (!user) return false
      statement('DELETE FROM users WHERE id = ?').run(user.id)
      statement('DELETE FROM keyvalue WHERE user_id = ?').run(user.id)
      localWrites++
      return true
    },

    async setPassword(idOrEmail: string, password: string): Promise<void> {
      const user = getUser(idOrEmail)
      if (!user) throw new Error(`No user ${idOrEmail}`)
      const hash = await hashSecret(password, passwordCost)
      statement('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, user.id)
    },

    /**
     * Checks an e-mail and password, throttled per e-mail at a client address and per client
     * address: after `maxFailures` failures of an e-mail from an address within the window, even a
     * correct password from there is refused until it passes; other addresses are not.
     */
    async login(
      email: string,
      password: string,
      clientAddress: string | null,
    ): Promise<LoginResult> {
      const keys = failureKeys(email, clientAddress)
      const wait = throttledFor(keys)
      if (wait > 0) return {ok: false, reason: 'rateLimited', retryAfterSeconds: wait}
      // Counted as a failure before the (slow, awaited) password check, in the same tick as the
      // check above: concurrent attempts each see the ones before them, so none slips past.
      const at = now().getTime()
      const pending = keys.map(
        ([key]) =>
          (
            statement('INSERT INTO login_failures (key, at) VALUES (?, ?) RETURNING rowid').get(
              key,
              at,
            ) as {rowid: number}
          ).rowid,
      )
      const row = statement('SELECT * FROM users WHERE email = ? COLLATE NOCASE').get(
        email.trim(),
      ) as Row | undefined
      const ok = await verifySecret(password, row ? String(row.password_hash) : DUMMY_PASSWORD_HASH)
      if (row && ok) {
        statement('DELETE FROM login_failures WHERE key = ?').run(keys[0][0])
        for (const rowid of pending) {
          statement('DELETE FROM login_failures WHERE rowid = ?').run(rowid)
        }
        return {ok: true, user: toUser(row)}
      }
      return {ok: false, reason: 'invalid'}
    },

    /** A single-use session id for the `#sid=` redirect (40 characters; the Studio needs ≥ 20). */
    createSid(userId: string): string {
      const sid = randomBytes(30).toString('base64url')
      const expires = new Date(now().getTime() + sidTtl).toISOString()
      statement('DELETE FROM sids WHERE expires_at <= ?').run(iso())
      statement('INSERT INTO sids (hash, user_id, expires_at) VALUES (?, ?, ?)').run(
        sha256(sid),
        userId,
        expires,
      )
      return sid
    },

    /** Exchanges a sid for a new session token; null when unknown, used or expired. */
    async exchangeSid(sid: string): Promise<string | null> {
      const row = statement('DELETE FROM sids WHERE hash = ? RETURNING *').get(sha256(sid)) as
        Row | undefined
      if (!row || String(row.expires_at) <= iso()) return null
      const user = getUser(String(row.user_id))
      if (!user) return null
      const {token} = await issueToken({
        kind: 'session',
        label: 'Studio session',
        role: null,
        userId: user.id,
        expiresAt: new Date(now().getTime() + sessionTtl).toISOString(),
      })
      return token
    },

    /** Ends the session behind a session token; API tokens are left alone (revoke those explicitly). */
    async logout(token: string): Promise<boolean> {
      const row = await resolveToken(token)
      if (!row || row.kind !== 'session') return false
      statement('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(iso(), row.id)
      localWrites++
      return true
    },

    /**
     * Creates an API token; the token itself is returned only here. `expiresAt`: when it stops
     * working on its own (default never).
     */
    async createToken(input: {label: string; role: RoleName; expiresAt?: string}) {
      return issueToken({
        kind: 'api',
        label: input.label,
        role: input.role,
        userId: null,
        expiresAt: input.expiresAt ?? null,
      })
    },

    listTokens(options: {includeRevoked?: boolean} = {}): TokenInfo[] {
      const where = options.includeRevoked ? "kind = 'api'" : "kind = 'api' AND revoked_at IS NULL"
      return (
        statement(`SELECT * FROM tokens WHERE ${where} ORDER BY created_at`).all() as Row[]
      ).map(toToken)
    },

    /** Revokes an API token by id (or by the token itself); true when one was revoked. */
    revokeToken(idOrToken: string): boolean {
      const id =
        idOrToken.startsWith(TOKEN_PREFIX) && idOrToken.length > 20
          ? idOrToken.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + TOKEN_ID_LENGTH)
          : idOrToken
      const result = statement(
        'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      ).run(iso(), id)
      localWrites++
      return Number(result.changes) > 0
    },

    /** Is this token string a live token (any kind)? */
    async isValidToken(token: string): Promise<boolean> {
      return (await resolveToken(token)) !== null
    },

    /** The Principal behind a bearer token, or null when the token is not valid. */
    async principalForToken(token: string): Promise<Principal | null> {
      // Read before the token, so a change while it is resolved leaves the entry stale.
      const version = store.version()
      const digest = sha256(token)
      const cached = principals.get(digest)
      if (cached?.version === version && (cached.expiresAt === null || cached.expiresAt > iso())) {
        noteUse(cached.principal.tokenId!)
        return cached.principal
      }
      principals.delete(digest)
      const row = await resolveToken(token)
      if (!row) return null
      const tokenId = String(row.id)
      noteUse(tokenId)
      let principal: Principal
      if (row.kind === 'api') {
        principal = {
          id: `r${row.id}`,
          kind: 'token',
          role: row.role as RoleName,
          name: String(row.label),
          tokenId,
        }
      } else {
        const user = getUser(String(row.user_id))
        if (!user) return null
        principal = {
          id: user.id,
          kind: 'user',
          role: user.role,
          name: user.name,
          email: user.email,
          tokenId,
        }
      }
      if (principals.size >= MAX_CACHED_TOKENS) principals.delete(principals.keys().next().value!)
      const entry = {version, principal, expiresAt: (row.expires_at as string) ?? null}
      principals.set(digest, entry)
      checkedAt.set(principal, entry)
      return principal
    },

    /**
     * Does the token a principal came with still stand (not revoked, expired or deleted with its
     * user)? Cheap (no hashing): asked for every open listener whenever the store changed.
     */
    isLive(principal: Principal): boolean {
      if (!principal.tokenId) return principal.kind === 'anonymous'
      // Nothing in the store changed since the token was read (as for principalForToken's cache):
      // one data_version read instead of the token's and user's rows, for every write's re-check.
      const checked = checkedAt.get(principal)
      if (
        checked?.version === store.version() &&
        (checked.expiresAt === null || checked.expiresAt > iso())
      ) {
        return true
      }
      const row = statement(
        `SELECT t.revoked_at, t.expires_at, t.kind, u.id AS user FROM tokens t
         LEFT JOIN users u ON u.id = t.user_id WHERE t.id = ?`,
      ).get(principal.tokenId) as Row | undefined
      if (!row || row.revoked_at) return false
      if (row.expires_at && String(row.expires_at) <= iso()) return false
      return row.kind === 'api' || row.user !== null
    },

    /**
     * Whether a token no longer valid is a genuine one that ran out of time (its secret verifies,
     * nothing revoked it, a session's user stands): what a refusal tells the caller to do.
     */
    async isExpiredSession(token: string): Promise<boolean> {
      const row = await tokenRowFor(token)
      if (!row || row.revoked_at || !row.expires_at || String(row.expires_at) > iso()) return false
      return row.kind === 'api' || getUser(String(row.user_id)) !== null
    },

    /** Whether a principal found earlier lost its token by expiry (not revocation or removal). */
    hasExpired(principal: Principal): boolean {
      if (!principal.tokenId) return false
      const row = statement(
        `SELECT t.revoked_at, t.expires_at FROM tokens t LEFT JOIN users u
         ON u.id = t.user_id WHERE t.id = ? AND (t.kind = 'api' OR u.id IS NOT NULL)`,
      ).get(principal.tokenId) as Row | undefined
      return !!row && !row.revoked_at && !!row.expires_at && String(row.expires_at) <= iso()
    },

    /**
     * A number that changes whenever users or tokens may have changed: by this store, or by
     * another process (the command line) writing the same file (SQLite's data_version). Read at
     * every look (13 µs, a read transaction): the WAL-index header in `-shm` is cheaper to read, but
     * any descriptor of that file this process closes drops every POSIX lock SQLite holds on it.
     */
    version(): string {
      const {data_version: external} = statement('PRAGMA data_version').get() as {
        data_version: number
      }
      return `${external}.${localWrites}`
    },

    /** Values of `keys` for a user; a key never set is null. */
    getValues(userId: string, keys: string[]): {key: string; value: unknown}[] {
      const get = statement('SELECT value FROM keyvalue WHERE user_id = ? AND key = ?')
      return keys.map((key) => {
        const row = get.get(userId, key) as Row | undefined
        return {key, value: row ? JSON.parse(String(row.value)) : null}
      })
    },

    /** Stores key/value pairs for a user (null deletes); returns them as stored. */
    setValues(
      userId: string,
      pairs: {key: string; value: unknown}[],
    ): {key: string; value: unknown}[] {
      const put = statement(
        `INSERT INTO keyvalue (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      const remove = statement('DELETE FROM keyvalue WHERE user_id = ? AND key = ?')
      db.exec('BEGIN')
      try {
        for (const {key, value} of pairs) {
          if (value === null || value === undefined) remove.run(userId, key)
          else put.run(userId, key, JSON.stringify(value), iso())
        }
        // Checked on the result, so replacing or deleting values is possible at the quota.
        const {bytes} = statement(
          `SELECT coalesce(sum(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) AS bytes
           FROM keyvalue WHERE user_id = ?`,
        ).get(userId) as {bytes: number}
        if (bytes > LIMITS.keyValueBytesPerUser) {
          throw new TooLargeError(
            `Settings would take ${bytes} bytes; at most ${LIMITS.keyValueBytesPerUser} per user. Delete some (value null) first`,
          )
        }
        db.exec('COMMIT')
      } catch (err) {
        db.exec('ROLLBACK')
        throw err
      }
      return pairs.map(({key, value}) => ({key, value: value ?? null}))
    },

    close(): void {
      if (db.isOpen) db.close()
    },
  }
  return store
}

/**
 * Brings auth.sqlite to AUTH_SCHEMA, each step kept readable by the lake before it: `digest` is a
 * column of its own, and a digest a lake of a544830e wrote into `hash` is copied there.
 */
function migrate(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(tokens)').all() as {name: string}[]
  if (!columns.some((c) => c.name === 'digest')) {
    try {
      db.exec('ALTER TABLE tokens ADD COLUMN digest TEXT')
    } catch (err) {
      // Another process (the command line, the lake) opening the folder added it first.
      if (!/duplicate column/.test(String(err))) throw err
    }
  }
  db.exec(`UPDATE tokens SET digest = hash WHERE digest IS NULL AND hash LIKE '${DIGEST_PREFIX}%'`)
  db.exec(`PRAGMA user_version = ${AUTH_SCHEMA}`)
}

/** Whether a token's digest (hex) is the one stored (`sha256$<hex>`); false for any other. */
function tokenDigestMatches(digest: string, stored: string): boolean {
  const expected = Buffer.from(stored.slice(DIGEST_PREFIX.length), 'hex')
  const given = Buffer.from(digest, 'hex')
  // Compared even when nothing is stored (against zeros), so an unknown id takes the same steps.
  const against = expected.length === given.length ? expected : Buffer.alloc(given.length)
  return timingSafeEqual(against, given) && against === expected && stored.startsWith(DIGEST_PREFIX)
}

/** One-shot: a Hash object per call cost a write request about 1 % of its CPU. */
function sha256(value: string): string {
  return hash('sha256', value, 'hex')
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function randomId(length: number): string {
  let id = ''
  for (let i = 0; i < length; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)]
  return id
}

/** A readable generated password: 4 groups of 5 letters and digits (≈ 119 bits). */
export function generatePassword(): string {
  const groups: string[] = []
  for (let g = 0; g < 4; g++) groups.push(randomId(5))
  return groups.join('-')
}

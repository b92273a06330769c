/**
 * Secrets are stored only as scrypt hashes, in a self-describing form
 * `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>` so the cost can be raised later without a migration.
 */
import {randomBytes, scrypt, timingSafeEqual, type ScryptOptions} from 'node:crypto'

export interface ScryptCost {
  N: number
  r: number
  p: number
}

/** Passwords are low-entropy: memory-hard cost (32 MiB, ~0.1 s per check). */
export const PASSWORD_COST: ScryptCost = {N: 2 ** 15, r: 8, p: 1}

/**
 * Tokens' scrypt hashes, kept beside their digests only for a lake before digests (which checks
 * them with this cost): light, as tokens carry 192 random bits.
 */
export const TOKEN_COST: ScryptCost = {N: 2 ** 10, r: 8, p: 1}

const KEY_LENGTH = 32

/** scrypt derivations sent to libuv's thread pool and not answered yet (derivationsUnderWay). */
let underWay = 0
/** scrypt derivations begun by this process (derivationsBegun). */
let begun = 0

/** How many scrypt derivations this process has begun: what a request's checks cost, for tests. */
export const derivationsBegun = (): number => begun

/**
 * How many scrypt derivations libuv's thread pool is running or holds queued. The process's exit()
 * runs every one of them before it ends (lake/cli/start.ts ends by the signal instead): 50
 * sign-ins' checks held a stopped lake 2.6-5.9 s.
 */
export const derivationsUnderWay = (): number => underWay

function derive(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = {...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024}
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => {
      underWay--
      if (err) reject(err)
      else resolve(key)
    })
    // After the call: one that throws (bad options) sent nothing to the pool.
    underWay++
    begun++
  })
}

export async function hashSecret(secret: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(secret, salt, cost)
  return [
    'scrypt',
    cost.N,
    cost.r,
    cost.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$')
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(secret, Buffer.from(salt, 'base64url'), {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A hash that never verifies, to spend the same time on unknown e-mails as on known ones. */
export const DUMMY_PASSWORD_HASH = `scrypt$${PASSWORD_COST.N}$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`

/**
 * Hono's router with its answers remembered per method and path. The lake's routes (custom
 * patterns such as `:version{v[^/]+}`) leave Hono's SmartRouter on its TrieRouter, whose walk of
 * the route tree was about 4 % of the event loop's CPU under 50 single-document writers, and every
 * write of a dataset asks it the same question. A match depends only on the method, the path and
 * the routes, so an answer stays right until a route is added (which forgets them all).
 */
import type {Result, Router} from 'hono/router'
import {RegExpRouter} from 'hono/router/reg-exp-router'
import {SmartRouter} from 'hono/router/smart-router'
import {TrieRouter} from 'hono/router/trie-router'
import {createLru, type Lru} from '../core/lru.ts'

/** Answers remembered at most; the least recently used goes first. */
export const CACHED_MATCHES = 512
/** Longer paths (a document's id, say) are matched each time rather than remembered. */
export const MAX_CACHED_PATH = 256

/** By count alone: a key is at most MAX_CACHED_PATH long. */
const answers = <T>(): Lru<string, Result<T>> =>
  createLru({entries: CACHED_MATCHES, weight: CACHED_MATCHES}, () => 1)

export class CachedRouter<T> implements Router<T> {
  readonly name: string
  readonly #inner: Router<T>
  #answers = answers<T>()

  /** By default Hono's own default router (RegExpRouter, else TrieRouter). */
  constructor(
    inner: Router<T> = new SmartRouter({routers: [new RegExpRouter(), new TrieRouter()]}),
  ) {
    this.#inner = inner
    this.name = `CachedRouter(${inner.name})`
  }

  add(method: string, path: string, handler: T): void {
    this.#answers = answers<T>()
    this.#inner.add(method, path, handler)
  }

  match(method: string, path: string): Result<T> {
    if (path.length > MAX_CACHED_PATH) return this.#inner.match(method, path)
    const key = `${method} ${path}`
    let answer = this.#answers.get(key)
    if (answer === undefined) {
      answer = this.#inner.match(method, path)
      this.#answers.set(key, answer)
    }
    return answer
  }

  /** Answers remembered now (tests). */
  get size(): number {
    return this.#answers.size
  }
}

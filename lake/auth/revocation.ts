/**
 * Ends what a revoked token, a signed-out session or a removed user still holds open: their
 * live event streams and an API token's listeners get `disconnect` at once, a session's listeners
 * hear nothing more (ListenerRegistry.endWhere in lake/listen/stream.ts says why), and their presence sockets are closed
 * (lake/server.ts). Requests are checked one by one already (every request
 * resolves its token); a listener is one long request, so it is checked whenever the auth store
 * changes: by this process (sign-out) or by another writing the same file (`npm run lake -- tokens
 * revoke`, `users remove`), which the store's version() reveals (SQLite's data_version).
 */
import type {Principal} from '../core/grants.ts'
import type {AuthStore} from './authStore.ts'

export const REVOKED_REASON =
  'Access was revoked (token revoked, signed out or user removed); sign in again'

/** Checks every `intervalMs`; returns the function that stops watching. */
export function watchRevocations(
  auth: Pick<AuthStore, 'version' | 'isLive'>,
  listeners: {endWhere(ended: (principal: Principal) => string | null): number},
  intervalMs = 200,
): () => void {
  let seen = auth.version()
  let failure: string | null = null
  const check = () => {
    let now: string
    try {
      now = auth.version()
    } catch {
      // The store closed under us (shutdown): nothing left to watch.
      return
    }
    if (now === seen) return
    // From a timer, over a file another process may hold (the command line's revoke): a throw
    // here ended the lake's process. The change counts as seen only once its check went through.
    try {
      listeners.endWhere((principal) => (auth.isLive(principal) ? null : REVOKED_REASON))
      seen = now
      failure = null
    } catch (err) {
      const message = (err as Error).message
      if (message !== failure) {
        console.error(
          `lake: checking open streams for revoked access failed (${message}); trying again every ${intervalMs} ms, said again only when the failure changes`,
        )
      }
      failure = message
    }
  }
  const timer = setInterval(check, intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}

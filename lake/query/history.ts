/**
 * Documents at a point in history as the JSON texts the history API sends. A rebuild patches each
 * document forward or back from its nearest snapshot (store/log.ts): for many ids that is seconds
 * of work, so a large request runs this on a thread (worker.ts) and a small one in place
 * (lake/dataset.ts); the same code either way, so both answers are the same bytes.
 */
import {QueryResultTooLargeError} from '../core/errors.ts'
import type {HistoryPoint, Store} from '../core/store.ts'
import type {SanityDocument} from '../core/types.ts'

const encoder = new TextEncoder()

/**
 * The UTF-8 JSON of each of `ids` that existed at `at`, in order; past `maxBytes` in all, a 400.
 * With `most`, null where rebuilding them would parse more of the log (Store.documentsAt).
 */
export function historyTexts(
  store: Store,
  ids: readonly string[],
  at: HistoryPoint,
  maxBytes: number,
): Uint8Array[]
export function historyTexts(
  store: Store,
  ids: readonly string[],
  at: HistoryPoint,
  maxBytes: number,
  most: number,
): Uint8Array[] | null
export function historyTexts(
  store: Store,
  ids: readonly string[],
  at: HistoryPoint,
  maxBytes: number,
  most?: number,
): Uint8Array[] | null {
  const texts: Uint8Array[] = []
  let bytes = 0
  const each = (document: SanityDocument | null, i: number) => {
    if (document === null) return
    const text = encoder.encode(JSON.stringify(document))
    bytes += text.byteLength
    if (bytes > maxBytes) {
      throw new QueryResultTooLargeError(
        `The first ${i + 1} of the ${ids.length} documents asked for are more than ` +
          `${Math.floor(maxBytes / 2 ** 20)} MiB as JSON at that point in history, more than one ` +
          'answer carries: ask for fewer ids per request',
      )
    }
    texts.push(text)
  }
  return store.documentsAt(ids, at, each, most) ? texts : null
}

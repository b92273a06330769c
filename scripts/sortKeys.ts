/**
 * `npm run sort-keys [-- --dry-run]`: writes the Bengali sort key (bangla/sort.ts) on every article
 * and headline whose key is missing or stale: documents written before the key existed, or by a
 * tool that does not write it. The Studio's title input and the import keep it current after that.
 * Each document is patched with `ifRevisionID`, so an edit made meanwhile is never overwritten (the
 * document is left for the next run); a second run changes nothing.
 */
import {defineCommand, EXIT, runMain, runnerOf, writeLine} from '../kit/cli.ts'
import {sortKey} from '../bangla/index.ts'
import {ARTICLE_TYPE, HEADLINE_TYPE, SORT_KEY_FIELD} from '../schemas/names.ts'
import type {SanityClient} from '@sanity/client'
import {createTargetClient, explainConnectionError, resolveTarget} from './lib/target.ts'

const USAGE = `Usage: npm run sort-keys -- [flags]

Writes the hidden Bengali sort key ('শিরোনাম, বর্ণানুক্রমে' orders by it) on every article and
headline, in every perspective (published, drafts, release versions), where it is missing or
out of date. Run it once on data written before the key existed; the Studio and the import keep
it current afterwards. Safe to run again: a second run changes nothing.

Flags:
  --dry-run          count what would change, write nothing
  --dataset NAME     dataset (default: SANITY_STUDIO_DATASET or production)
  -h, --help         show this help

Examples:
  npm run sort-keys
  npm run sort-keys -- --dry-run --dataset staging

Exit codes: 0 done · 1 could not reach the target or a write failed · 2 bad arguments
`

/** Documents per transaction: small enough for the write-body limit with long titles. */
const BATCH = 200

const STALE_QUERY = `*[_type in [$article, $headline]]{
  _id, _rev, "text": select(_type == $article => title, text), "key": ${SORT_KEY_FIELD}
}`

type Row = {_id: string; _rev: string; text: unknown; key: unknown}

export const command = defineCommand({
  invocation: 'npm run sort-keys --',
  help: USAGE,
  options: {'dry-run': {type: 'boolean', default: false}, dataset: {type: 'string'}},
  async run({values}, io) {
    const target = resolveTarget(io.env, {
      cwd: io.cwd,
      ...(values.dataset ? {dataset: values.dataset} : {}),
    })
    const client = createTargetClient(target, {maxRetries: 0})
    try {
      const rows = await client.fetch<Row[]>(
        STALE_QUERY,
        {article: ARTICLE_TYPE, headline: HEADLINE_TYPE},
        {perspective: 'raw'},
      )
      const stale = rows.flatMap((row) => {
        const key = typeof row.text === 'string' ? sortKey(row.text) : row.key
        return key !== row.key ? [{...row, key}] : []
      })
      const skipped = values['dry-run'] ? 0 : await writeKeys(client, stale)
      const written = stale.length - skipped
      writeLine(
        io.stdout,
        values['dry-run']
          ? `${stale.length} of ${rows.length} articles and headlines would get a new sort key.`
          : `${written} of ${rows.length} articles and headlines got a new sort key.` +
              (skipped ? ` ${skipped} changed while this ran: run it again.` : ''),
      )
      return EXIT.SUCCESS
    } catch (error) {
      writeLine(io.stderr, explainConnectionError(error, target) ?? (error as Error).message)
      return EXIT.RUNTIME_ERROR
    }
  },
})

export const run = runnerOf(command)

type StaleRow = {_id: string; _rev: string; key: unknown}

/** Writes the keys in batches; returns how many documents were edited meanwhile and left. */
async function writeKeys(client: SanityClient, stale: StaleRow[]): Promise<number> {
  const commit = (batch: StaleRow[]) => {
    const tx = client.transaction()
    for (const {_id, _rev, key} of batch) {
      tx.patch(_id, (patch) => patch.ifRevisionId(_rev).set({[SORT_KEY_FIELD]: key}))
    }
    return tx.commit({visibility: 'async', tag: 'sort-keys'})
  }
  let skipped = 0
  for (let i = 0; i < stale.length; i += BATCH) {
    const batch = stale.slice(i, i + BATCH)
    const conflicted = await commit(batch).then(() => false, rethrowUnlessConflict)
    if (!conflicted) continue
    // Someone edited one of them meanwhile: write the others one by one, leave that one.
    for (const row of batch) {
      if (await commit([row]).then(() => false, rethrowUnlessConflict)) skipped++
    }
  }
  return skipped
}

/** true for a 409 (a revision changed under the patch); any other error is thrown on. */
function rethrowUnlessConflict(error: unknown): true {
  if ((error as {statusCode?: number}).statusCode === 409) return true
  throw error
}

if (import.meta.main) await runMain(command, 'sort-keys')

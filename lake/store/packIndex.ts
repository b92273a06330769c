/**
 * One step of packing a dataset file's indexes once a bulk load has gone quiet (on the WAL
 * checkpointer's thread, walCheckpointerWorker.ts). An index's B-tree leaves are left about a
 * tenth empty by a load (SQLite splits a full page and rarely fills it again), a table without a
 * rowid as an index (btrees()), and the full-text index in many segments; a REINDEX writes the
 * index again in key order, its pages full, and FTS5's merge folds the segments together. The
 * pages no longer needed leave the file by `incremental_vacuum` (a file made since auto_vacuum INCREMENTAL; an older file keeps them free
 * inside, for its next writes). Measured: docs/benchmarks-log.md, "indexes packed after a quiet
 * load".
 */
import type {DatabaseSync} from 'node:sqlite'

/**
 * The largest index a step rebuilds (16 MB of 16 kB pages): a write that comes meanwhile waits
 * for the step, and a REINDEX takes time in proportion to the index (0.2 s for 9 MB on a quiet
 * machine here). A larger index stays as it is.
 */
export const PACK_MAX_PAGES = 1024
/** Free pages one step moves out of the file at most (after a large delete there may be many). */
export const VACUUM_STEP_PAGES = 512
/** What a step that only moved free pages out of the file answers. */
export const FREE_PAGES = 'free pages'
/**
 * The full-text index's segments merged a step: FTS5's `merge` with at most this many pages of
 * work (about 20 ms here), until one segment is left. A load leaves many, their pages part-full;
 * merged, the archive's index with the Studio's ids took 59 fewer pages (0.9 MB), in 27 steps.
 */
export const FTS_MERGE_PAGES = 200
/** The full-text index's table (searchIndex.ts), merged when the file has it. */
const FTS = 'search_fts'

/** An index is rebuilt when this share of its bytes, and at least two pages' worth, is unused. */
const LOOSE_SHARE = 0.05

/**
 * The B-trees a REINDEX can pack: each index, and each table without a rowid (the change log, the
 * references), whose rows are the keys of its primary key's index: REINDEX of that index (named
 * by SQLite, `sqlite_autoindex_<table>_1`) sorts them and writes the table again, its pages full,
 * as for any index. `name` is what REINDEX takes, `tree` what dbstat names the B-tree. A full-text
 * index's own tables (shadow tables) are left to its merge.
 */
function btrees(db: DatabaseSync): {name: string; tree: string}[] {
  const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as {
    name: string
  }[]
  const tables = db
    .prepare(
      `SELECT l.name, t.name AS tree FROM pragma_table_list t, pragma_index_list(t.name) l
       WHERE t.schema = 'main' AND t.type = 'table' AND t.wr = 1 AND l.origin = 'pk'`,
    )
    .all() as {name: string; tree: string}[]
  return [...indexes.map(({name}) => ({name, tree: name})), ...tables]
}

/**
 * The B-trees worth a rebuild, loosest first: at most PACK_MAX_PAGES, with over LOOSE_SHARE of
 * their bytes and two pages unused, none of `done`. dbstat reads every page of a B-tree it
 * measures (about 25 ms over the archive's indexes), so a pack measures at its first rebuild, and
 * again only once documents have changed since (packIndex's `plan`).
 */
function loosest(db: DatabaseSync, pageSize: number, done: ReadonlySet<string>): string[] {
  const size = db.prepare(
    'SELECT count(*) AS pages, coalesce(sum(unused), 0) AS unused FROM dbstat WHERE name = ?',
  )
  const loose: {name: string; unused: number}[] = []
  for (const {name, tree} of btrees(db)) {
    if (done.has(name)) continue
    const {pages, unused} = size.get(tree) as {pages: number; unused: number}
    if (pages > PACK_MAX_PAGES || unused < 2 * pageSize || unused < LOOSE_SHARE * pages * pageSize)
      continue
    loose.push({name, unused})
  }
  return loose.sort((a, b) => b.unused - a.unused).map(({name}) => name)
}

/**
 * Moves free pages out of the file, or merges the full-text index's segments, or rebuilds the
 * next index of `plan`, each index once a pack (an index of long keys is still loose after its
 * REINDEX), so a pack ends: FREE_PAGES, `search_fts` or the index's name, null when nothing is
 * worth a step; `plan`, what the next step of the pack rebuilds, and `done`, what it has rebuilt.
 * `plan` undefined: the loose indexes are measured (a pack's first step, or documents changed
 * since the plan was made: an index may have grown past PACK_MAX_PAGES, another become loose),
 * `done` left out. `busy` when another connection holds the write lock (the connection waits for
 * none): nothing was rebuilt, the next quiet moment tries again.
 */
export function packIndex(
  db: DatabaseSync,
  plan?: readonly string[],
  done: readonly string[] = [],
): {packed: string | null; busy: boolean; plan?: readonly string[]; done: readonly string[]} {
  const pragma = (name: string) => Number(Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0])
  let left = plan
  try {
    const incremental = pragma('auto_vacuum') === 2
    if (incremental && pragma('freelist_count') > 0) {
      db.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`)
      return {packed: FREE_PAGES, busy: false, plan, done}
    }
    if (db.prepare('SELECT 1 FROM sqlite_schema WHERE name = ?').get(FTS)) {
      const changes = () => Number(db.prepare('SELECT total_changes() AS n').get()!.n)
      const before = changes()
      // A negative count merges any level of two segments or more (FTS5's 'merge' command); fewer
      // than two rows changed means it found no work.
      db.prepare(`INSERT INTO ${FTS} (${FTS}, rank) VALUES ('merge', ?)`).run(-FTS_MERGE_PAGES)
      if (changes() - before >= 2) {
        if (incremental) db.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`)
        return {packed: FTS, busy: false, plan, done}
      }
    }
    left ??= loosest(db, pragma('page_size'), new Set(done))
    // An index dropped since the pack measured it (a field's index) is passed over.
    const present = new Set(btrees(db).map(({name}) => name))
    while (left.length > 0 && !present.has(left[0])) left = left.slice(1)
    if (left.length === 0) return {packed: null, busy: false, plan: left, done}
    const [name, ...rest] = left
    db.exec(`REINDEX "${name.replaceAll('"', '""')}"`)
    if (incremental) db.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`)
    return {packed: name, busy: false, plan: rest, done: [...done, name]}
  } catch (err) {
    // SQLITE_BUSY or SQLITE_LOCKED (their extended codes too): another writer, not a failure.
    const code = Number((err as {errcode?: number}).errcode) & 0xff
    if (code === 5 || code === 6) return {packed: null, busy: true, plan: left, done}
    throw err
  }
}

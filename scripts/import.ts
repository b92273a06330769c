/**
 * `npm run import -- [files or folders…]`: imports newsroom text files as article, headline and
 * source documents, each file written whole or not at all, many files a transaction. See USAGE
 * below and docs/import.md.
 */
import {randomUUID} from 'node:crypto'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {type Mutation, type SanityClient} from '@sanity/client'
import {
  defineCommand,
  EXIT,
  type ExitCode,
  type Io,
  type ParsedArgs,
  plural,
  runMain,
  runnerOf,
  typedIn,
  UsageError,
  writeLine,
} from '../kit/cli.ts'
import {getDraftId, getPublishedId, invalidDatasetReason} from '../kit/sanityIds.ts'
import {parseIsoDate, todayInDhaka} from './lib/dates.ts'
import {collectInputFiles, type InputFile} from './lib/inputFiles.ts'
import {toNdjson} from './lib/ndjson.ts'
import {
  ArticleParseError,
  decodeArticle,
  isArticleParseError,
  type ParsedArticle,
  parseArticle,
} from './lib/parseArticle.ts'
import {
  API_VERSION,
  createTargetClient,
  explainConnectionError,
  missingDataset,
  resolveTarget,
  type Target,
} from './lib/target.ts'
import {
  type ArticleDocuments,
  type DocumentOptions,
  earlierArticleIds,
  type ImportDocument,
  namedSources,
  sourceId,
  type StoredSource,
  toDocuments,
} from './lib/toDocuments.ts'
import {nfc} from '../bangla/index.ts'
import {TRANSACTION_LIMITS} from './lib/target.ts'
import {type Section, SECTIONS} from '../schemas/names.ts'

export const DEFAULT_INPUT = 'data/seed'

/**
 * Files per transaction: a write is one request and one commit, whatever it holds, and at 10,000
 * files one a transaction spent most of the run on the round trips. A batch stays well under a
 * write's limits (TRANSACTION_LIMITS) so that the lake's writer is never held long.
 */
export const FILES_PER_TRANSACTION = 100
const BATCH_MUTATIONS = 1000
const BATCH_BYTES = 4 * 1024 * 1024
/** The default is the project's, read from its folder wherever the command was typed. */
const PROJECT_ROOT = resolve(import.meta.dirname, '..')

const USAGE = `Usage: npm run import -- [files or folders…] [flags]

Imports newsroom text files (default: ${DEFAULT_INPUT}/) into the local lake or a hosted
Sanity project: one article, one headline per related headline and one source per
organisation, with ids derived from the content; each file is written whole or not at
all (up to ${FILES_PER_TRANSACTION} files a transaction).

Flags:
  --dry-run            print the documents as NDJSON on stdout and write nothing
  --ndjson FILE        write the documents to FILE as NDJSON (for \`sanity dataset import\`)
                       and write nothing else
  --replace            overwrite documents that exist (default: create only the missing
                       ones, leaving editors' changes alone)
  --restore-deleted    write documents deleted in the dataset again (default: skip them
                       with a warning, so that a takedown stays down, --replace or not)
  --as-of YYYY-MM-DD   reference date for datelines without a year (default: today in
                       Asia/Dhaka)
  --date YYYY-MM-DD    date for articles whose dateline gives none (default: import them
                       as drafts)
  --section NAME       section for every article, one of: ${SECTIONS.join(', ')}
                       (default: the source's section, e.g. আন্তর্জাতিক for CMG, else none)
  --strict             write nothing if any file is bad input
  --per-transaction N  files written in one transaction (default ${FILES_PER_TRANSACTION}; 1: each
                       file alone)
  --dataset NAME       dataset (default: SANITY_STUDIO_DATASET or production); one the
                       target does not list is refused, so that a typo makes none
  --create-dataset     import into a dataset the target does not list yet (the lake makes
                       it on the first write)
  -h, --help           show this help

Examples:
  npm run import
  npm run import -- data/seed --dry-run
  npm run import -- stories/ --as-of 2025-07-20 --strict
  npm run import -- stories/ --ndjson stories.ndjson

Target: the local lake at SANITY_STUDIO_API_HOST (default https://localhost:3334), with
the token and certificate from its data folder (LAKE_DATA, default .lake); or a hosted
project when SANITY_STUDIO_PROJECT_ID and SANITY_API_TOKEN are set.

Exit codes: 0 done · 1 could not write (e.g. no lake running) · 2 bad input or arguments
`

type Options = {
  inputs: string[]
  dryRun: boolean
  ndjson?: string
  replace: boolean
  restoreDeleted: boolean
  asOf: string
  date?: string
  section?: Section
  strict: boolean
  dataset?: string
  createDataset: boolean
  perTransaction: number
}

const FLAGS = {
  'dry-run': {type: 'boolean', default: false},
  ndjson: {type: 'string'},
  replace: {type: 'boolean', default: false},
  'restore-deleted': {type: 'boolean', default: false},
  'as-of': {type: 'string'},
  date: {type: 'string'},
  section: {type: 'string'},
  strict: {type: 'boolean', default: false},
  dataset: {type: 'string'},
  'create-dataset': {type: 'boolean', default: false},
  'per-transaction': {type: 'string'},
} as const

/** The flags checked and with their defaults applied (the day "today" is in Dhaka). */
function readOptions({values, positionals}: ParsedArgs<typeof FLAGS>, io: Io): Options {
  if (values['dry-run'] && values.ndjson !== undefined) {
    throw new UsageError('Use either --dry-run (NDJSON on stdout) or --ndjson FILE, not both.')
  }
  for (const flag of ['as-of', 'date'] as const) {
    const value = values[flag]
    if (value !== undefined && !parseIsoDate(value)) {
      throw new UsageError(
        `--${flag} takes a date as YYYY-MM-DD (e.g. 2025-07-15), got '${value}'.`,
      )
    }
  }
  if (values.ndjson === '') throw new UsageError('--ndjson needs a file name.')
  let section: Section | undefined
  if (values.section !== undefined) {
    section = SECTIONS.find((name) => name === nfc(values.section!.trim()))
    if (!section) {
      throw new UsageError(
        `--section '${values.section}' is not a section. Use one of: ${SECTIONS.join(', ')}.`,
      )
    }
  }
  const perTransaction = values['per-transaction'] ?? String(FILES_PER_TRANSACTION)
  if (!/^[1-9][0-9]{0,4}$/.test(perTransaction)) {
    throw new UsageError(
      `--per-transaction takes a number of files from 1 to 99999, got '${perTransaction}'.`,
    )
  }
  const badDataset = values.dataset === undefined ? null : invalidDatasetReason(values.dataset)
  if (badDataset) throw new UsageError(`--dataset '${values.dataset}': ${badDataset}.`)
  return {
    inputs: positionals.length > 0 ? positionals : [resolve(PROJECT_ROOT, DEFAULT_INPUT)],
    dryRun: values['dry-run'],
    ...(values.ndjson !== undefined ? {ndjson: values.ndjson} : {}),
    replace: values.replace,
    restoreDeleted: values['restore-deleted'],
    asOf: values['as-of'] ?? todayInDhaka(io.now()),
    ...(values.date !== undefined ? {date: values.date} : {}),
    ...(section ? {section} : {}),
    strict: values.strict,
    ...(values.dataset !== undefined ? {dataset: values.dataset} : {}),
    createDataset: values['create-dataset'],
    perTransaction: Number(perTransaction),
  }
}

type Prepared = {
  file: InputFile
  parsed: ParsedArticle
  docs: ArticleDocuments
  /** The article's published id when the dataset holds it under an earlier one (adoptEarlierIds). */
  articleId?: string
  /** The slug the dataset's article has (keepStoredSlugs). */
  slug?: string
  /** The run's sources the dataset holds under another id or slug (reuseStoredSources). */
  sources?: ReadonlyMap<string, StoredSource>
}

/** What a file's documents are rebuilt with: the flags and what the dataset already holds. */
function documentOptions(item: Prepared, options: Options): DocumentOptions {
  return {
    ...(options.section ? {section: options.section} : {}),
    ...(item.articleId ? {articleId: item.articleId} : {}),
    ...(item.slug ? {slug: item.slug} : {}),
    ...(item.sources ? {sources: item.sources} : {}),
  }
}

/** Reads, decodes and parses every file; bad input is collected, not thrown. */
export function prepareFiles(
  files: readonly InputFile[],
  options: {asOf: string; date?: string; section?: Section},
): {prepared: Prepared[]; failures: ArticleParseError[]} {
  const prepared: Prepared[] = []
  const failures: ArticleParseError[] = []
  const articleFiles = new Map<string, InputFile>()
  for (const file of files) {
    try {
      const bytes = readBytes(file)
      const text = decodeArticle(bytes, file.display)
      const parsed = parseArticle(text, {
        file: file.display,
        asOf: options.asOf,
        ...(options.date ? {fallbackDate: options.date} : {}),
      })
      checkCount(parsed, file)
      const docs = toDocuments(parsed, options.section ? {section: options.section} : {})
      checkSize(docs, file)
      parsed.warnings.push(...docs.warnings)
      const twin = articleFiles.get(docs.article._id)
      if (twin) {
        // Same title and date: the same article id, so only the first file's text is kept.
        parsed.warnings.push({
          line: 1,
          message: `same title and date as ${twin.display}: that file's article is kept`,
        })
      } else {
        articleFiles.set(docs.article._id, file)
      }
      prepared.push({file, parsed, docs})
    } catch (error) {
      if (isArticleParseError(error)) failures.push(error)
      else throw error
    }
  }
  return {prepared, failures}
}

const SPLIT_HINT =
  'Split the story into several files (each file is one transaction), or move some of its ' +
  'related headlines to another file'

/**
 * A file is one transaction, of one document per distinct related headline besides its article:
 * one of more than a write may hold is refused from its parse, before its documents are built
 * (150,000 headlines took 40 s and 800 MB to build, then were refused for their bytes).
 */
function checkCount(parsed: ParsedArticle, file: InputFile): void {
  const headlines = new Set(
    parsed.headlines.map(({idText, text, speaker}) =>
      JSON.stringify(idText ? [idText.text, idText.speaker] : [text, speaker]),
    ),
  ).size
  // One document per distinct source (the same organisation twice is one), as toDocuments builds.
  const sources = new Set(namedSources(parsed).map(({name}) => sourceId(name))).size
  // The article's own title among the headlines links to it: a document all the same. A dated
  // article's transaction may also delete the draft an undated import wrote (writeFile).
  const mutations = headlines + sources + 1 + (parsed.date ? 1 : 0)
  if (mutations <= TRANSACTION_LIMITS.writes) return
  throw new ArticleParseError(
    file.display,
    1,
    `the file is too large: its ${headlines} related headlines, ${sources} source${sources === 1 ? '' : 's'}, ` +
      `the article${parsed.date ? " and the delete of an earlier undated import's draft" : ''} ` +
      `make up to ${mutations} mutations, and a write may hold at most ${TRANSACTION_LIMITS.writes}`,
    SPLIT_HINT,
  )
}

/**
 * A file is one transaction: one too large for the lake (its largest document, or its largest
 * write request) is bad input, refused here rather than sent and refused there.
 */
function checkSize(docs: ArticleDocuments, file: InputFile): void {
  for (const document of docs.documents) {
    const bytes = Buffer.byteLength(JSON.stringify(document))
    if (bytes > TRANSACTION_LIMITS.documentBytes) {
      throw new ArticleParseError(
        file.display,
        1,
        `the file is too large: its ${document._type} is ${bytes} bytes as JSON, and a document ` +
          `may be at most ${TRANSACTION_LIMITS.documentBytes}`,
        SPLIT_HINT,
      )
    }
  }
  const request = {mutations: docs.documents.map((document) => ({createOrReplace: document}))}
  const bytes = Buffer.byteLength(JSON.stringify(request))
  if (bytes > TRANSACTION_LIMITS.requestBytes) {
    throw new ArticleParseError(
      file.display,
      1,
      `the file is too large: its transaction is ${bytes} bytes, and a write may be at most ` +
        `${TRANSACTION_LIMITS.requestBytes}`,
      SPLIT_HINT,
    )
  }
}

function readBytes(file: InputFile): Uint8Array {
  try {
    // A file's text is at least its bytes as JSON: one past the largest write cannot be sent, and
    // is refused before it is read whole into memory.
    const {size} = statSync(file.path)
    if (size > TRANSACTION_LIMITS.requestBytes) {
      throw new ArticleParseError(
        file.display,
        1,
        `the file is too large: ${size} bytes, and a write may be at most ` +
          `${TRANSACTION_LIMITS.requestBytes}`,
        SPLIT_HINT,
      )
    }
    return readFileSync(file.path)
  } catch (error) {
    if (isArticleParseError(error)) throw error
    const reason = (error as {code?: string}).code ?? String(error)
    throw new ArticleParseError(
      file.display,
      1,
      `the file cannot be read (${reason})`,
      'Check that it exists and that you may read it',
    )
  }
}

export const command = defineCommand({
  invocation: 'npm run import --',
  help: USAGE,
  options: FLAGS,
  positionals: true,
  run: (args, io) => importStories(readOptions(args, io), io),
})

export const run = runnerOf(command)

async function importStories(options: Options, io: Io): Promise<ExitCode> {
  const files = collectInputFiles(options.inputs, typedIn(io, 'import'))

  const started = io.now().getTime()
  const {prepared, failures} = prepareFiles(files, options)
  reportParse(io, prepared, failures)

  if (failures.length > 0 && options.strict) {
    writeLine(
      io.stderr,
      `Nothing written: ${plural(failures.length, 'file')} with bad input (--strict). ` +
        'Fix them, or run without --strict to import the others.',
    )
    return EXIT.USAGE_ERROR
  }
  const badInput = failures.length > 0 ? EXIT.USAGE_ERROR : EXIT.SUCCESS

  if (options.dryRun || options.ndjson !== undefined) {
    const documents = uniqueDocuments(prepared.flatMap((item) => item.docs.documents))
    const text = toNdjson(documents)
    if (options.dryRun) {
      io.stdout.write(text)
    } else {
      try {
        writeFileSync(resolve(typedIn(io, 'import'), options.ndjson!), text)
      } catch (error) {
        writeLine(io.stderr, `Could not write ${options.ndjson}: ${(error as Error).message}`)
        return EXIT.RUNTIME_ERROR
      }
    }
    writeLine(
      io.stderr,
      `${options.dryRun ? 'Dry run: nothing written. ' : ''}` +
        `${plural(documents.length, 'document')} from ${plural(prepared.length, 'file')}` +
        `${options.ndjson ? ` written to ${options.ndjson}` : ' on stdout'}` +
        `${failures.length ? `; skipped ${plural(failures.length, 'file')} with bad input` : ''}.`,
    )
    reportDrafts(io, prepared)
    return badInput
  }

  if (prepared.length === 0) {
    writeLine(io.stderr, 'Nothing to import: every file was bad input.')
    return badInput
  }

  const target = resolveTarget(io.env, {
    cwd: io.cwd,
    ...(options.dataset ? {dataset: options.dataset} : {}),
  })
  if (!target.client.token) {
    writeLine(
      io.stderr,
      target.kind === 'lake'
        ? `No write token for ${target.description}: none in SANITY_API_TOKEN and no token file in ` +
            `${target.dataDir}. Start the lake once with \`npm run lake\` (it writes the token), or set LAKE_DATA.`
        : `No write token for ${target.description}: set SANITY_API_TOKEN (sanity.io/manage → API → Tokens, Editor).`,
    )
    return EXIT.RUNTIME_ERROR
  }
  // The lake makes a dataset on its first write: a misspelt --dataset made a second one.
  if (!options.createDataset) {
    let missing: string | null
    try {
      missing = await missingDataset(createTargetClient(target, {maxRetries: 0}), target)
    } catch (error) {
      writeLine(
        io.stderr,
        explainConnectionError(error, target) ?? `Could not import: ${(error as Error).message}`,
      )
      return EXIT.RUNTIME_ERROR
    }
    if (missing) {
      writeLine(io.stderr, `${missing} To import into a new dataset, pass --create-dataset.`)
      return EXIT.RUNTIME_ERROR
    }
  }
  const result = await writeFiles(target, prepared, options, io, started)
  return result === EXIT.SUCCESS ? badInput : result
}

function reportParse(io: Io, prepared: Prepared[], failures: ArticleParseError[]): void {
  for (const item of prepared) {
    for (const warning of item.parsed.warnings) {
      writeLine(io.stderr, `${item.file.display}:${warning.line}: warning: ${warning.message}`)
    }
  }
  for (const failure of failures) {
    writeLine(
      io.stderr,
      `${failure.file}:${failure.line}: error: ${failure.problem}. ${failure.fix}.`,
    )
  }
  if (failures.length > 0) {
    writeLine(
      io.stderr,
      `${plural(failures.length, 'file')} with bad input skipped: none of their documents is written.`,
    )
  }
}

function reportDrafts(io: Io, prepared: Prepared[]): void {
  const drafts = prepared.filter((item) => item.docs.draft)
  if (drafts.length === 0) return
  writeLine(
    io.stderr,
    `${plural(drafts.length, 'article')} without a date or with a field the Studio would refuse, ` +
      `as ${drafts.length === 1 ? 'a draft' : 'drafts'} (see the warnings above: add a dateline or ` +
      'pass --date YYYY-MM-DD, or fix, date and publish in the Studio):',
  )
  for (const item of drafts) writeLine(io.stderr, `  ${item.file.display}: ${item.parsed.title}`)
}

/** Keeps the first document for each id (sources and headlines are shared between files). */
function uniqueDocuments(documents: ImportDocument[]): ImportDocument[] {
  const byId = new Map<string, ImportDocument>()
  for (const document of documents) if (!byId.has(document._id)) byId.set(document._id, document)
  return [...byId.values()]
}

async function writeFiles(
  target: Target,
  preparedFiles: Prepared[],
  options: Options,
  io: Io,
  started: number,
): Promise<ExitCode> {
  // One quick request without retries first, so a stopped lake fails in milliseconds (the
  // client's retry setting is fixed when it is created); a busy one (429, 503, a reset) is asked
  // again with the client's retries and backoff, as every later read is.
  let prepared = preparedFiles
  let published: Set<string>
  let gone = new Set<string>()
  const client = createTargetClient(target)
  try {
    const quick = createTargetClient(target, {maxRetries: 0})
    published = await publishedArticles(quick, prepared).catch((error: unknown) => {
      if (!isTransient(error)) throw error
      return publishedArticles(client, prepared)
    })
    prepared = reuseStoredSources(prepared, await storedSources(client, prepared), options)
    // One look at the dataset for every id the files could write, earlier ids included.
    const earlier = earlierIds(prepared)
    const known = await lookUp(
      client,
      [...documentIds(prepared), ...[...earlier.values()].flat()],
      options.restoreDeleted ? [...earlier.values()].flat() : undefined,
    )
    const adopted = adoptEarlierIds(prepared, earlier, known, options)
    if (adopted !== prepared) {
      prepared = adopted
      published = new Set(prepared.map(publishedIdOf).filter((id) => known.existing.has(id)))
    }
    if (!options.restoreDeleted) gone = deletedIds(prepared, known)
  } catch (error) {
    return failConnection(io, error, target, 0)
  }
  if (gone.size > 0) prepared = skipDeleted(io, prepared, gone)
  try {
    prepared = keepStoredSlugs(prepared, await storedSlugs(client, prepared), options)
    const holders = await slugHolders(client, prepared)
    prepared = draftTakenSlugs(io, prepared, holders, published, options)
  } catch (error) {
    return failConnection(io, error, target, 0)
  }

  let drafts: Map<string, string>
  try {
    drafts = await draftRevisions(client, prepared)
  } catch (error) {
    return failConnection(io, error, target, 0)
  }

  const progress = createProgress(io, prepared.length, started)
  let written = 0
  let unchanged = 0
  let filesDone = 0
  const writeFailures: string[] = []
  const alreadyPublished: Prepared[] = []
  const count = (results: {operation: string}[]) => {
    for (const {operation} of results) {
      if (operation === 'none') unchanged++
      else written++
    }
  }
  const writes: FileWrite[] = prepared.map((item) => {
    let documents = item.docs.documents
    if (item.docs.draft && published.has(publishedIdOf(item))) {
      // An editor already dated and published this article: a new draft would shadow it.
      documents = documents.filter((document) => document !== item.docs.article)
      alreadyPublished.push(item)
    }
    return {item, documents, stale: staleDraft(io, item, documents, drafts)}
  })
  for (const batch of batchesOf(writes, options.perTransaction)) {
    try {
      count(await commitFiles(client, batch, options))
    } catch (error) {
      // A 403 may refuse one document of the batch (a token that may not write it): sent file by
      // file, the refused file's own 403 stops the run naming it.
      if (
        explainConnectionError(error, target) &&
        (batch.length === 1 || statusOf(error) !== 403)
      ) {
        progress.done()
        for (const failure of writeFailures) writeLine(io.stderr, failure)
        const files = batch.map(({item}) => item.file.display).join(', ')
        writeLine(io.stderr, `${files}: could not write.`)
        return failConnection(io, error, target, filesDone - writeFailures.length)
      }
      if (batch.length === 1) {
        writeFailures.push(couldNotWrite(batch[0]!, error))
      } else {
        // The lake refused the batch whole, so none of it was written: each file is sent on its
        // own, and only a file the lake refuses fails.
        for (const [index, file] of batch.entries()) {
          try {
            count(await commitFiles(client, [file], options))
          } catch (error) {
            if (explainConnectionError(error, target)) {
              progress.done()
              for (const failure of writeFailures) writeLine(io.stderr, failure)
              writeLine(io.stderr, `${file.item.file.display}: could not write.`)
              return failConnection(io, error, target, filesDone + index - writeFailures.length)
            }
            writeFailures.push(couldNotWrite(file, error))
          }
        }
      }
    }
    filesDone += batch.length
    progress.tick(filesDone, written, unchanged)
  }
  progress.done()

  for (const failure of writeFailures) writeLine(io.stderr, failure)
  const seconds = Math.max((io.now().getTime() - started) / 1000, 0.001)
  const rate = Math.round((written + unchanged) / seconds)
  const files = plural(prepared.length - writeFailures.length, 'file')
  const already = unchanged > 0 ? `; ${unchanged} already there, left as they are` : ''
  writeLine(
    io.stderr,
    `Done! Imported ${written} documents to dataset "${target.dataset}" of ${target.description} ` +
      `(${options.replace ? 'created or replaced' : 'created'} from ${files}${already}) in ` +
      `${seconds.toFixed(1)} s, ${rate} documents/s${unchanged > 0 ? ' written or found there' : ''}.`,
  )
  reportDrafts(
    io,
    prepared.filter((item) => !alreadyPublished.includes(item)),
  )
  for (const item of alreadyPublished) {
    writeLine(
      io.stderr,
      `${item.file.display}: no date, but its article is already published: the draft was not created again.`,
    )
  }
  if (writeFailures.length > 0) {
    writeLine(
      io.stderr,
      `${plural(writeFailures.length, 'file')} could not be written (see above).`,
    )
    return EXIT.RUNTIME_ERROR
  }
  return EXIT.SUCCESS
}

/**
 * The import's transactions are named with this prefix, and a document's `_rev` is the id of the
 * transaction that last wrote it: a draft whose `_rev` has it is as the import wrote it.
 */
export const IMPORT_TRANSACTION_PREFIX = 'import-'

/** A draft the import wrote and nobody changed since: its id and revision. */
type StaleDraft = {id: string; rev: string}

/** One file's write: its documents, and the draft of its article the import left, to delete. */
type FileWrite = {item: Prepared; documents: readonly ImportDocument[]; stale?: StaleDraft}

/**
 * Consecutive files in batches of at most `perTransaction` files, BATCH_MUTATIONS mutations and
 * about BATCH_BYTES of documents; a file larger than that alone (it fits one write: checkSize).
 */
function* batchesOf(writes: readonly FileWrite[], perTransaction: number): Generator<FileWrite[]> {
  let batch: FileWrite[] = []
  let mutations = 0
  let bytes = 0
  for (const write of writes) {
    const more = write.documents.length + (write.stale ? 1 : 0)
    const size = write.documents.reduce((sum, document) => sum + JSON.stringify(document).length, 0)
    if (
      batch.length > 0 &&
      (batch.length >= perTransaction ||
        mutations + more > BATCH_MUTATIONS ||
        bytes + size > BATCH_BYTES)
    ) {
      yield batch
      batch = []
      mutations = 0
      bytes = 0
    }
    batch.push(write)
    mutations += more
    bytes += size
  }
  if (batch.length > 0) yield batch
}

function couldNotWrite(write: FileWrite, error: unknown): string {
  return `${write.item.file.display}: could not write (${(error as Error).message})`
}

/**
 * Writes files' documents in one transaction: all of them or none. Default mode creates only
 * missing documents (editors' changes stay); `replace` overwrites. A file's `stale`, the draft the
 * import wrote of the article it now publishes, is deleted in the same transaction, and only at
 * the revision it was seen at: a draft edited in the meantime is not matched, so it stays.
 */
export async function commitFiles(
  client: SanityClient,
  files: readonly {documents: readonly ImportDocument[]; stale?: StaleDraft | undefined}[],
  {replace}: {replace: boolean},
): Promise<{id: string; operation: string}[]> {
  const mutations: Mutation[] = []
  const staleIds = new Set<string>()
  for (const {documents, stale} of files) {
    for (const document of documents) {
      mutations.push(replace ? {createOrReplace: document} : {createIfNotExists: document})
    }
    if (stale) {
      staleIds.add(stale.id)
      mutations.push({
        delete: {query: '*[_id == $id && _rev == $rev]', params: {id: stale.id, rev: stale.rev}},
      })
    }
  }
  const documents = files.flatMap((file) => file.documents)
  const transactionId = `${IMPORT_TRANSACTION_PREFIX}${randomUUID()}`
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await client.transaction(mutations).commit({tag: 'import', transactionId})
      // A delete's result is the draft's, not a document the files hold.
      return result.results.filter(({id}) => !staleIds.has(id))
    } catch (error) {
      // The id is new to the dataset: refused as used, it is this write's, done by an earlier send
      // whose answer was lost. The documents carrying it are those it wrote.
      if (attempt > 0 && isTransactionIdConflict(error)) {
        return doneEarlier(client, documents, transactionId)
      }
      // Refused as busy (429, 503) or its answer lost (a gateway's 502, a reset): sent again under
      // its id, a write already done is refused as the id's second use, not done twice.
      if (attempt >= WRITE_RETRIES || !isTransient(error)) {
        // An earlier send may have landed, its answer lost: its documents carry its id. Sent
        // again under new ids (file by file), they would be written, and counted, twice.
        if (attempt > 0) {
          const results = await doneEarlier(client, documents, transactionId).catch(() => [])
          if (results.some(({operation}) => operation !== 'none')) return results
        }
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, resendDelay(error, attempt)))
    }
  }
}

/** Times a write is sent again, and the backoff: @sanity/client's for its reads. */
const WRITE_RETRIES = 5
const retryDelay = (attempt: number) => 100 * 2 ** attempt + 100 * Math.random()
/** The longest wait between sends, whatever Retry-After asks: the run goes on or ends in minutes. */
const MAX_RETRY_AFTER_MS = 60_000

/** The backoff, or longer when the answer's Retry-After (seconds or a date) asks it. */
function resendDelay(error: unknown, attempt: number): number {
  const headers = (error as {response?: {headers?: Record<string, string | undefined>}} | null)
    ?.response?.headers
  const value = headers?.['retry-after']?.trim()
  let asked = 0
  if (value && /^\d+$/.test(value)) asked = Number(value) * 1000
  else if (value && !Number.isNaN(Date.parse(value))) asked = Date.parse(value) - Date.now()
  return Math.max(retryDelay(attempt), Math.min(asked, MAX_RETRY_AFTER_MS))
}

function statusOf(error: unknown): number | undefined {
  return (error as {statusCode?: number} | null)?.statusCode
}

function isTransactionIdConflict(error: unknown): boolean {
  const {statusCode, details, message} = (error ?? {}) as {
    statusCode?: number
    details?: {items?: {error?: {type?: string}}[]}
    message?: string
  }
  if (statusCode !== 409) return false
  return (
    details?.items?.some((item) => item.error?.type === 'transactionIdConflictError') === true ||
    /transaction id/i.test(message ?? '')
  )
}

/** The results of a write an earlier send did: what carries its transaction id was written by it. */
async function doneEarlier(
  client: SanityClient,
  documents: readonly ImportDocument[],
  transactionId: string,
): Promise<{id: string; operation: string}[]> {
  const ids = documents.map((document) => document._id)
  const written = new Set<string>()
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const found = await client.fetch<string[]>(
      '*[_id in $ids && _rev == $rev]._id',
      {ids: ids.slice(start, start + IDS_PER_REQUEST), rev: transactionId},
      {perspective: 'raw'},
    )
    for (const id of found) written.add(id)
  }
  // A document several files of the batch hold was written once, as the lake answers it.
  const counted = new Set<string>()
  return ids.map((id) => {
    const first = !counted.has(id)
    counted.add(id)
    return {id, operation: first && written.has(id) ? 'update' : 'none'}
  })
}

/**
 * The revisions of the drafts of the articles this run publishes: a draft an undated import wrote
 * earlier would shadow the published article in the Studio.
 */
async function draftRevisions(
  client: SanityClient,
  prepared: Prepared[],
): Promise<Map<string, string>> {
  const ids = [
    ...new Set(
      prepared.flatMap((item) =>
        item.docs.draft || !item.docs.documents.includes(item.docs.article)
          ? []
          : [getDraftId(item.docs.article._id)],
      ),
    ),
  ]
  const revisions = new Map<string, string>()
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const found = await client.fetch<{_id: string; _rev: string}[]>(
      '*[_id in $ids]{_id, _rev}',
      {ids: ids.slice(start, start + IDS_PER_REQUEST)},
      {perspective: 'raw'},
    )
    for (const {_id, _rev} of found) revisions.set(_id, _rev)
  }
  return revisions
}

/**
 * The draft of the article a file publishes, when the import wrote it and nobody has changed it
 * since: it goes with the file's transaction. A draft someone edited is kept, with a warning.
 */
function staleDraft(
  io: Io,
  item: Prepared,
  documents: readonly ImportDocument[],
  drafts: Map<string, string>,
): StaleDraft | undefined {
  if (item.docs.draft || !documents.includes(item.docs.article)) return undefined
  const id = getDraftId(item.docs.article._id)
  const rev = drafts.get(id)
  if (rev === undefined) return undefined
  if (rev.startsWith(IMPORT_TRANSACTION_PREFIX)) return {id, rev}
  writeLine(
    io.stderr,
    `${item.file.display}:1: warning: ${id} has been edited since it was imported: it is kept, ` +
      `and shows in the Studio over the published article ${item.docs.article._id}; publish or ` +
      'discard it there',
  )
  return undefined
}

/** Ids per existence query (a parameter: the client posts a long query), under the lake's list limit. */
const IDS_PER_REQUEST = 1000

/**
 * A history request names its ids in its path: as many as keep the path to 10 KiB, under the
 * 11,264 characters @sanity/client itself still sends as a GET (hosted Sanity takes URLs of about
 * 11 kB) with room for the query string, and at most the 1,000 names the lake takes in a list.
 */
const HISTORY_PATH_CHARS = 10 * 1024
const HISTORY_IDS = 1000

/** Ids in batches whose history path stays within HISTORY_PATH_CHARS. */
function historyBatches(prefix: string, ids: readonly string[]): string[][] {
  const batches: string[][] = []
  let batch: string[] = []
  let length = prefix.length
  for (const id of ids) {
    const more = encodeURIComponent(id).length + (batch.length > 0 ? 1 : 0)
    if (batch.length > 0 && (length + more > HISTORY_PATH_CHARS || batch.length >= HISTORY_IDS)) {
      batches.push(batch)
      batch = []
      length = prefix.length
    }
    batch.push(id)
    length += encodeURIComponent(id).length + (batch.length > 1 ? 1 : 0)
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

/**
 * A refusal that asking again may cure: what @sanity/client retries of a GET (429, 502, 503, a
 * connection reset or timeout), not a lake that is not running (ECONNREFUSED) or a bad token.
 */
function isTransient(error: unknown): boolean {
  const status = (error as {statusCode?: number} | null)?.statusCode
  if (status === 429 || status === 502 || status === 503) return true
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as {code?: unknown}).code
    if (code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE') return true
    current = (current as {cause?: unknown}).cause
  }
  return false
}

/** The ids a file's documents are written under, and the published ids of drafts. */
function documentIds(prepared: Prepared[]): string[] {
  const ids = new Set<string>()
  for (const item of prepared) {
    for (const document of item.docs.documents) {
      ids.add(document._id)
      ids.add(getPublishedId(document._id))
    }
  }
  return [...ids]
}

/** What the dataset holds of some ids now, and which of those missing its history shows. */
type Known = {existing: Set<string>; history: Set<string>}

/**
 * Asks which of `ids` the dataset holds and, of the missing ones (or those of them in `historyOf`),
 * which its history shows: they existed and were deleted. createIfNotExists sees only what exists
 * now; the history is asked only of ids missing now (few on a re-import, and a never-written id
 * has no history to rebuild).
 */
async function lookUp(
  client: SanityClient,
  ids: readonly string[],
  historyOf?: readonly string[],
): Promise<Known> {
  const all = [...new Set(ids)]
  const existing = new Set<string>()
  for (let start = 0; start < all.length; start += IDS_PER_REQUEST) {
    const batch = all.slice(start, start + IDS_PER_REQUEST)
    const found = await client.fetch<string[]>(
      '*[_id in $ids]._id',
      {ids: batch},
      {perspective: 'raw'},
    )
    for (const id of found) existing.add(id)
  }
  const missing = (historyOf ? [...new Set(historyOf)] : all).filter((id) => !existing.has(id))
  const history = new Set<string>()
  const prefix = `/v${API_VERSION}/data/history/${client.config().dataset!}/documents/`
  for (const batch of historyBatches(prefix, missing)) {
    // A GET: @sanity/client retries it with backoff on 429, 502, 503 and a connection reset.
    const answer = await client.request<{documents: {_id: string}[]}>({
      uri: `/data/history/${client.config().dataset!}/documents/${batch.map(encodeURIComponent).join(',')}`,
      query: {lastRevision: 'true'},
      tag: 'import.deleted',
    })
    for (const document of answer.documents) history.add(document._id)
  }
  return {existing, history}
}

/**
 * Ids of the documents to write (and the published ids of drafts) that once existed and were
 * deleted: a takedown a routine import must not bring back.
 */
function deletedIds(prepared: Prepared[], {existing, history}: Known): Set<string> {
  const gone = new Set<string>()
  for (const id of documentIds(prepared)) {
    // A draft is deleted when it is published: its article is there, not taken down.
    if (history.has(id) && !existing.has(getPublishedId(id))) gone.add(id)
  }
  return gone
}

/**
 * For each file whose article an older import may have made under another id (earlierArticleIds):
 * its current published id, then those, each with its draft.
 */
function earlierIds(prepared: Prepared[]): Map<Prepared, string[]> {
  const candidates = new Map<Prepared, string[]>()
  for (const item of prepared) {
    const earlier = earlierArticleIds(item.parsed)
    if (earlier.length === 0) continue
    candidates.set(
      item,
      [publishedIdOf(item), ...earlier].flatMap((id) => [id, getDraftId(id)]),
    )
  }
  return candidates
}

/**
 * A file an older import read differently (before header lines, some bylines and organisations'
 * names on a line of their own were read as they are now) made its article under another id: the
 * file keeps that article when the dataset holds it (or its draft) and not the current id, rather
 * than making a second one. One deleted since stays deleted (skipDeleted) when nothing the file's
 * article could be is in the dataset.
 */
function adoptEarlierIds(
  prepared: Prepared[],
  earlier: Map<Prepared, string[]>,
  {existing, history}: Known,
  options: Options,
): Prepared[] {
  let changed = false
  // An article is one file's: an id another file of the run has, or adopted first, is not taken.
  const taken = new Set(prepared.map(publishedIdOf))
  const result = prepared.map((item) => {
    const current = publishedIdOf(item)
    const ids = earlier
      .get(item)
      ?.filter((id) => getPublishedId(id) === current || !taken.has(getPublishedId(id)))
    if (!ids) return item
    const id = ids.find((id) => existing.has(id)) ?? ids.find((id) => history.has(id))
    if (id === undefined || getPublishedId(id) === current) return item
    changed = true
    const articleId = getPublishedId(id)
    taken.add(articleId)
    const docs = toDocuments(item.parsed, documentOptions({...item, articleId}, options))
    return {...item, docs, articleId}
  })
  return changed ? result : prepared
}

/**
 * Leaves out what the newsroom deleted, with a warning naming the file and the id: a file whose
 * article was deleted whole (its headlines would point at nothing), else each deleted document.
 * --restore-deleted writes them again; --replace alone does not, as it is also the
 * way to undo editors' changes, and must not bring back a legal takedown with them.
 */
function skipDeleted(io: Io, prepared: Prepared[], gone: Set<string>): Prepared[] {
  const isGone = (id: string) => gone.has(id) || gone.has(getPublishedId(id))
  const kept: Prepared[] = []
  for (const item of prepared) {
    const where = `${item.file.display}:1: warning:`
    const restore = 'it is not imported again (pass --restore-deleted to restore it)'
    if (isGone(item.docs.article._id)) {
      writeLine(
        io.stderr,
        `${where} ${publishedIdOf(item)} was deleted in the dataset: ${restore}, nor this file's other documents.`,
      )
      continue
    }
    const documents = item.docs.documents.filter((document) => {
      if (!isGone(document._id)) return true
      writeLine(io.stderr, `${where} ${document._id} was deleted in the dataset: ${restore}.`)
      return false
    })
    kept.push({...item, docs: {...item.docs, documents}})
  }
  return kept
}

/** Names per query: the GROQ parameter stays small. */
const NAMES_PER_QUERY = 1000

/**
 * The sources the dataset holds of the run's organisations, by name: one query for the run. A
 * source's id is its name's slug, so a change to the slug rules would otherwise give a source
 * imported before a second document (and a name that slugged to nothing had a hash for an id).
 */
async function storedSources(
  client: SanityClient,
  prepared: Prepared[],
): Promise<Map<string, StoredSource>> {
  const names = [
    ...new Set(prepared.flatMap((item) => namedSources(item.parsed).map(({name}) => name))),
  ]
  const found: {_id: string; name: string; slug?: string}[] = []
  for (let start = 0; start < names.length; start += NAMES_PER_QUERY) {
    found.push(
      ...(await client.fetch<{_id: string; name: string; slug?: string}[]>(
        '*[_type == "source" && name in $names]{_id, name, "slug": slug.current}',
        {names: names.slice(start, start + NAMES_PER_QUERY)},
        {perspective: 'raw'},
      )),
    )
  }
  const stored = new Map<string, StoredSource>()
  for (const name of names) {
    const held = found.filter((source) => source.name === name)
    if (held.length === 0) continue
    // The id today's rule gives, when the dataset has it; else a published source before a
    // draft, and of several the first id, so that every run picks the same one.
    const rank = (source: {_id: string}) =>
      (getPublishedId(source._id) === sourceId(name) ? 0 : 2) +
      (source._id === getPublishedId(source._id) ? 0 : 1)
    const [chosen] = held.sort((a, b) => rank(a) - rank(b) || a._id.localeCompare(b._id))
    const id = getPublishedId(chosen!._id)
    stored.set(name, {id, ...(chosen!.slug ? {slug: chosen!.slug} : {})})
  }
  return stored
}

/** Rebuilds the files naming a source the dataset holds, so that they reuse it (storedSources). */
function reuseStoredSources(
  prepared: Prepared[],
  stored: Map<string, StoredSource>,
  options: Options,
): Prepared[] {
  if (stored.size === 0) return prepared
  return prepared.map((item) => {
    const names = namedSources(item.parsed).map(({name}) => name)
    if (!names.some((name) => stored.has(name))) return item
    const sources = new Map(
      names.flatMap((name) => (stored.has(name) ? [[name, stored.get(name)!] as const] : [])),
    )
    const next = {...item, sources}
    return {...next, docs: toDocuments(item.parsed, documentOptions(next, options))}
  })
}

/** The slugs the dataset's articles (published, else their drafts) of this run have. */
async function storedSlugs(
  client: SanityClient,
  prepared: Prepared[],
): Promise<Map<string, string>> {
  const ids = [
    ...new Set(prepared.flatMap((item) => [publishedIdOf(item), getDraftId(publishedIdOf(item))])),
  ]
  const slugs = new Map<string, string>()
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const found = await client.fetch<{_id: string; slug?: string}[]>(
      '*[_id in $ids && defined(slug.current)]{_id, "slug": slug.current}',
      {ids: ids.slice(start, start + IDS_PER_REQUEST)},
      {perspective: 'raw'},
    )
    for (const {_id, slug} of found) if (slug) slugs.set(_id, slug)
  }
  return slugs
}

/**
 * A URL once published is permanent: an article the dataset holds keeps its slug, --replace or
 * not, when the slug rules now give another. An editor changes it in the Studio.
 */
function keepStoredSlugs(
  prepared: Prepared[],
  stored: Map<string, string>,
  options: Options,
): Prepared[] {
  if (stored.size === 0) return prepared
  return prepared.map((item) => {
    const id = publishedIdOf(item)
    const slug = stored.get(id) ?? stored.get(getDraftId(id))
    if (slug === undefined || slug === slugOf(item)) return item
    const next = {...item, slug}
    return {...next, docs: rebuild(item, documentOptions(next, options))}
  })
}

/** Slugs per query: the GROQ parameter stays small. */
const SLUGS_PER_QUERY = 1000

/** The articles (published ids) of the dataset holding each slug the import would write. */
async function slugHolders(
  client: SanityClient,
  prepared: Prepared[],
): Promise<Map<string, Set<string>>> {
  const slugs = [...new Set(prepared.map(slugOf))]
  const holders = new Map<string, Set<string>>()
  for (let start = 0; start < slugs.length; start += SLUGS_PER_QUERY) {
    const found = await client.fetch<{_id: string; slug: string}[]>(
      '*[_type == "article" && slug.current in $slugs]{_id, "slug": slug.current}',
      {slugs: slugs.slice(start, start + SLUGS_PER_QUERY)},
      {perspective: 'raw'},
    )
    for (const {_id, slug} of found) {
      const ids = holders.get(slug) ?? new Set<string>()
      ids.add(getPublishedId(_id))
      holders.set(slug, ids)
    }
  }
  return holders
}

function slugOf(item: Prepared): string {
  return (item.docs.article.slug as {current: string}).current
}

/**
 * The Studio refuses a slug another article holds (drafts included): an article whose slug the
 * dataset or an earlier file of this run holds is a draft, with a warning naming the other. An
 * article the dataset already holds (published) is left to createIfNotExists: an editor may have
 * given it another slug since, and its draft would shadow their work. With --replace it keeps its
 * slug (keepStoredSlugs); one stored without a slug is left as it is when another article holds
 * the import's.
 */
function draftTakenSlugs(
  io: Io,
  prepared: Prepared[],
  holders: Map<string, Set<string>>,
  published: Set<string>,
  options: Options,
): Prepared[] {
  const inRun = new Map<string, Prepared>()
  return prepared.map((item) => {
    const slug = slugOf(item)
    const id = publishedIdOf(item)
    const held = holders.get(slug) ?? new Set<string>()
    const first = inRun.get(slug)
    if (!first) inRun.set(slug, item)
    if (held.has(id) || (published.has(id) && !options.replace)) return item
    const other = [...held][0]
    const otherInRun = first && publishedIdOf(first) !== id ? first : undefined
    if (!other && !otherInRun) return item
    const by = other ?? `${publishedIdOf(otherInRun!)} (${otherInRun!.file.display})`
    const line = item.parsed.lines?.title ?? 1
    if (published.has(id)) {
      // --replace would overwrite it with a slug another article now holds: it stays as it is.
      writeLine(
        io.stderr,
        `${item.file.display}:${line}: warning: the slug '${slug}' is taken by ${by}: the ` +
          `published article ${id} is left as it is (replacing it would publish a second ` +
          'article on the slug)',
      )
      const documents = item.docs.documents.filter((document) => document !== item.docs.article)
      return {...item, docs: {...item.docs, documents}}
    }
    const problem = {field: 'slug', problem: `'${slug}' is taken by ${by}`, line}
    const docs = rebuild(item, {...documentOptions(item, options), problems: [problem]})
    writeLine(
      io.stderr,
      `${item.file.display}:${line}: warning: the slug '${slug}' is taken by ${by}: the Studio ` +
        'would refuse it, so the article is imported as a draft; give it another slug in the ' +
        'Studio and publish',
    )
    return {...item, docs}
  })
}

/**
 * `item`'s documents built again from its text with `rules`, only those it still has: rebuilt, the
 * file has every document again, and skipDeleted left out what the newsroom deleted.
 */
function rebuild(item: Prepared, rules: DocumentOptions): ArticleDocuments {
  const rebuilt = toDocuments(item.parsed, rules)
  const kept = new Set(item.docs.documents.map((document) => getPublishedId(document._id)))
  const documents = rebuilt.documents.filter((document) => kept.has(getPublishedId(document._id)))
  return {...rebuilt, documents}
}

/** The published id of a draft article. */
function publishedIdOf(item: Prepared): string {
  return getPublishedId(item.docs.article._id)
}

/** The import's articles (published ids) the dataset already holds published. */
async function publishedArticles(client: SanityClient, prepared: Prepared[]): Promise<Set<string>> {
  const ids = [...new Set(prepared.map(publishedIdOf))]
  const found = new Set<string>()
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const batch = ids.slice(start, start + IDS_PER_REQUEST)
    const answer = await client.fetch<string[]>(
      '*[_id in $ids]._id',
      {ids: batch},
      {perspective: 'raw'},
    )
    for (const id of answer) found.add(id)
  }
  return found
}

function failConnection(io: Io, error: unknown, target: Target, filesDone: number): ExitCode {
  writeLine(
    io.stderr,
    explainConnectionError(error, target) ??
      `Could not write to ${target.description}: ${(error as Error).message}`,
  )
  writeLine(
    io.stderr,
    filesDone === 0
      ? 'Nothing was written.'
      : `Stopped after ${plural(filesDone, 'file')}, each written in full; run again to import the rest.`,
  )
  return EXIT.RUNTIME_ERROR
}

const PROGRESS_INTERVAL_MS = 1000

/** Progress on stderr for long runs: at most once a second, and only after the first second. */
function createProgress(io: Io, totalFiles: number, started: number) {
  let last = started
  let shown = false
  return {
    tick(filesDone: number, written: number, unchanged: number) {
      const documents = written + unchanged
      const now = io.now().getTime()
      if (now - last < PROGRESS_INTERVAL_MS) return
      last = now
      const rate = Math.round(documents / Math.max((now - started) / 1000, 0.001))
      const line =
        `[${filesDone}/${totalFiles} files] ${written} documents written, ${unchanged} unchanged, ` +
        `${rate} documents/s`
      if (io.stderr.isTTY) io.stderr.write(`\r${line}\u001b[K`)
      else writeLine(io.stderr, line)
      shown = true
    },
    done() {
      if (shown && io.stderr.isTTY) io.stderr.write('\n')
    },
  }
}

if (import.meta.main) await runMain(command, 'import')

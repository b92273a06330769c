/**
 * `npm run export -- out.ndjson`: the dataset as NDJSON, one document per line, in the form
 * `sanity dataset import` reads. Streams, so large datasets need little memory.
 */
import {createWriteStream} from 'node:fs'
import {once} from 'node:events'
import {resolve} from 'node:path'
import {
  defineCommand,
  EXIT,
  type Output,
  runMain,
  runnerOf,
  typedIn,
  UsageError,
  writeLine,
} from '../kit/cli.ts'
import {
  authHeaders,
  createTargetClient,
  explainConnectionError,
  missingDataset,
  resolveTarget,
} from './lib/target.ts'

const USAGE = `Usage: npm run export -- [out.ndjson] [flags]

Writes every document of the dataset as NDJSON (to stdout when no file or '-' is given),
ready for \`sanity dataset import out.ndjson <dataset>\`. Needs a token. Asset documents go
without their files (a warning says so): @sanity/export moves a dataset with its assets.

Flags:
  --no-drafts      leave out drafts (drafts.…), release versions (versions.…) and releases
  --dataset NAME   dataset (default: SANITY_STUDIO_DATASET or production)
  -h, --help       show this help

Examples:
  npm run export -- backup.ndjson
  npm run -s export -- --no-drafts | wc -l

Exit codes: 0 done · 1 could not read from the target (or it has no such dataset) or write the
file · 2 bad arguments
`

export const command = defineCommand({
  invocation: 'npm run export --',
  help: USAGE,
  positionals: true,
  allowNegative: true,
  options: {
    drafts: {type: 'boolean', default: true},
    dataset: {type: 'string'},
  },
  async run({values, positionals}, io) {
    if (positionals.length > 1) throw new UsageError('Pass one output file (or none for stdout).')
    const out = positionals[0] === '-' ? undefined : positionals[0]
    const drafts = values.drafts
    const dataset = values.dataset

    const target = resolveTarget(io.env, {cwd: io.cwd, ...(dataset ? {dataset} : {})})
    // Without a token the answer is an anonymous reader's: nothing of a private dataset, no
    // drafts of a public one. An empty or partial backup that says "Done!" is worse than none.
    if (!target.client.token) {
      writeLine(
        io.stderr,
        target.kind === 'lake'
          ? `No token for ${target.description}: none in SANITY_API_TOKEN and no token file in ` +
              `${target.dataDir}. Start the lake once with \`npm run lake\` (it writes the token), or set LAKE_DATA. Nothing was written.`
          : `No token for ${target.description}: set SANITY_API_TOKEN (sanity.io/manage → API → Tokens, Viewer or Editor). Nothing was written.`,
      )
      return EXIT.RUNTIME_ERROR
    }
    const client = createTargetClient(target)
    const url = client.getUrl(client.getDataUrl('export'))
    let response: Response
    try {
      const missing = await missingDataset(client, target)
      if (missing) {
        writeLine(io.stderr, missing)
        return EXIT.RUNTIME_ERROR
      }
      response = await fetch(url, {headers: authHeaders(target)})
    } catch (error) {
      writeLine(
        io.stderr,
        explainConnectionError(error, target) ?? `Could not export: ${String(error)}`,
      )
      return EXIT.RUNTIME_ERROR
    }
    if (!response.ok || !response.body) {
      const explained = explainConnectionError({statusCode: response.status}, target)
      writeLine(
        io.stderr,
        explained ?? `Export failed: HTTP ${response.status} ${await response.text()}`,
      )
      return EXIT.RUNTIME_ERROR
    }

    const file = out ? createWriteStream(resolve(typedIn(io, 'export'), out)) : undefined
    // Surface a bad path (missing folder, no permission) as an ordinary failure below.
    let fileError: Error | undefined
    file?.on('error', (error) => (fileError = error))
    const sink: Output = file ?? io.stdout
    let count = 0
    let assets = 0
    let pending = ''
    const decoder = new TextDecoder()
    const handle = async (line: string) => {
      if (line.trim() === '') return
      const document = JSON.parse(line) as {_id?: string; _type?: string; message?: string}
      if (typeof document._id !== 'string') {
        throw new Error(`the lake sent an error line: ${document.message ?? line}`)
      }
      if (!drafts && /^(drafts|versions)\./.test(document._id)) return
      // System documents (_.…) belong to the target's own machinery, not to the content; releases
      // go with their versions, as @sanity/export keeps them.
      if (document._id.startsWith('_.') && !(drafts && document._id.startsWith('_.releases.'))) {
        return
      }
      count++
      if (document._type === 'sanity.imageAsset' || document._type === 'sanity.fileAsset') assets++
      if (fileError) throw fileError
      if (!sink.write(line + '\n') && file) await once(file, 'drain')
    }
    try {
      const reader = response.body.getReader()
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        pending += decoder.decode(chunk.value, {stream: true})
        const lines = pending.split('\n')
        pending = lines.pop()!
        for (const line of lines) await handle(line)
      }
      await handle(pending + decoder.decode())
      if (file) {
        file.end()
        if (!fileError) await Promise.race([once(file, 'finish'), once(file, 'error')])
        if (fileError) throw fileError
      }
    } catch (error) {
      file?.destroy()
      writeLine(io.stderr, `Export failed: ${(error as Error).message}`)
      return EXIT.RUNTIME_ERROR
    }
    if (assets > 0) {
      writeLine(
        io.stderr,
        `Warning: ${assets} asset document${assets === 1 ? '' : 's'} exported without ` +
          `${assets === 1 ? 'its file' : 'their files'}: NDJSON carries no images or files, and ` +
          '`sanity dataset import` refuses asset documents of another project or dataset. To move ' +
          'a dataset with its assets, use @sanity/export and @sanity/import (docs/hosted.md).',
      )
    }
    writeLine(
      io.stderr,
      `Done! Exported ${count} documents from dataset "${target.dataset}" of ${target.description}` +
        `${out ? ` to ${out}` : ''}.`,
    )
    return EXIT.SUCCESS
  },
})

export const run = runnerOf(command)

if (import.meta.main) await runMain(command, 'export')

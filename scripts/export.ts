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
  resolveTarget,
} from './lib/target.ts'

const USAGE = `Usage: npm run export -- [out.ndjson] [flags]

Writes every document of the dataset as NDJSON (to stdout when no file or '-' is given),
ready for \`sanity dataset import out.ndjson <dataset>\`.

Flags:
  --no-drafts      leave out drafts (drafts.…) and release versions (versions.…)
  --dataset NAME   dataset (default: SANITY_STUDIO_DATASET or production)
  -h, --help       show this help

Examples:
  npm run export -- backup.ndjson
  npm run -s export -- --no-drafts | wc -l

Exit codes: 0 done · 1 could not read from the target or write the file · 2 bad arguments
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
    const client = createTargetClient(target)
    const url = client.getUrl(client.getDataUrl('export'))
    let response: Response
    try {
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
    let pending = ''
    const decoder = new TextDecoder()
    const handle = async (line: string) => {
      if (line.trim() === '') return
      const document = JSON.parse(line) as {_id?: string; message?: string}
      if (typeof document._id !== 'string') {
        throw new Error(`the lake sent an error line: ${document.message ?? line}`)
      }
      // System documents (_.…) belong to the target's own machinery, not to the content.
      if (document._id.startsWith('_.')) return
      if (!drafts && /^(drafts|versions)\./.test(document._id)) return
      count++
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

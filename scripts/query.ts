/**
 * `npm run query -- '<GROQ>' [--param name=value…] [--perspective published|drafts|raw]`: runs a
 * GROQ query against the configured target and prints the result as JSON (pretty on a terminal,
 * one line when piped). Bengali is printed as text, never as \u escapes.
 */
import {readFileSync} from 'node:fs'
import {defineCommand, EXIT, runMain, runnerOf, UsageError, writeLine} from '../kit/cli.ts'
import {
  createTargetClient,
  explainConnectionError,
  missingDataset,
  resolveTarget,
} from './lib/target.ts'

const USAGE = `Usage: npm run query -- '<GROQ>' [flags]

Runs a GROQ query against the local lake (or the hosted project, see docs/hosted.md) and
prints the result as JSON: indented on a terminal, on one line when piped.

Flags:
  --param name=value   a query parameter ($name); the value is read as JSON when it is
                       valid JSON (3, true, "x", ["a"]) and as a string otherwise; text is
                       taken in NFC, as stored text is; repeatable
  --perspective P      published (default), drafts (drafts over published) or raw
  --dataset NAME       dataset (default: SANITY_STUDIO_DATASET or production)
  -h, --help           show this help

The query '-' is read from stdin.

Examples:
  npm run query -- 'count(*[_type == "headline"])'
  npm run query -- '*[_type=="article"][0]{title, "source": source->name, "related": relatedHeadlines[]->text}'
  npm run query -- '*[_type == "headline" && speaker == $who].text' --param who=ট্রাম্প
  npm run -s query -- '*[_type == "article"]' --perspective drafts | jq .

Exit codes: 0 done · 1 could not reach the target, or it has no such dataset · 2 bad query or
arguments
`

const PERSPECTIVES = ['published', 'drafts', 'raw'] as const
type Perspective = (typeof PERSPECTIVES)[number]

/** Parses 'name=value' pairs; values are JSON when they parse as JSON, otherwise strings. */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const pair of pairs) {
    const equals = pair.indexOf('=')
    const name = equals < 0 ? '' : pair.slice(0, equals)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`--param takes name=value with a GROQ parameter name, got '${pair}'.`)
    }
    // NFC, as stored text is (the import and the Studio write NFC): a precomposed য় (U+09DF, which
    // NFC writes as য + ়) typed in a shell otherwise matched nothing. The lake compares code
    // points, as GROQ does on hosted Sanity, so the tool normalises what it is given.
    const raw = pair.slice(equals + 1).normalize('NFC')
    try {
      // Strings again after parsing: a JSON escape ("\u09df") is not text until then.
      params[name] = inNfc(JSON.parse(raw))
    } catch {
      params[name] = raw
      continue
    }
    // JSON.parse reads it as Infinity, which JSON cannot carry: the client sent it as null, and
    // the query answered as if $name were null.
    // And a non-zero one too small for a double reads as 0, as silently.
    const unheld = unheldNumber(raw)
    if (unheld !== null) {
      const bound = Number(unheld) === 0 ? 'smallest (about 5e-324)' : 'largest (about 1.8e308)'
      throw new UsageError(
        `--param ${name}: ${unheld} is past the ${bound} number JSON carries. Pass a number within it, or the text in quotes: ${name}='"${unheld}"'.`,
      )
    }
  }
  return params
}

function inNfc(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC')
  if (Array.isArray(value)) return value.map(inNfc)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inNfc(v)]))
  }
  return value
}

/**
 * The first number in JSON text (outside its strings) a double cannot hold: too large (read as
 * Infinity), or not zero but too small (read as 0). Null when there is none.
 */
function unheldNumber(json: string): string | null {
  const outsideStrings = json.replace(/"(?:[^"\\]|\\.)*"/g, (text) => ' '.repeat(text.length))
  for (const [number, digits] of outsideStrings.matchAll(/-?(\d+(?:\.\d+)?)(?:[eE][+-]?\d+)?/g)) {
    const value = Number(number)
    if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(digits))) return number
  }
  return null
}

export const command = defineCommand({
  invocation: 'npm run query --',
  help: USAGE,
  positionals: true,
  options: {
    param: {type: 'string', multiple: true, default: []},
    perspective: {type: 'string', default: 'published'},
    dataset: {type: 'string'},
  },
  async run({values, positionals}, io) {
    if (positionals.length !== 1) {
      throw new UsageError('Pass exactly one GROQ query, in single quotes.')
    }
    const query = positionals[0] === '-' ? readFileSync(0, 'utf8') : positionals[0]!
    if (!(PERSPECTIVES as readonly string[]).includes(values.perspective)) {
      throw new UsageError(`--perspective is one of ${PERSPECTIVES.join(', ')}.`)
    }
    const perspective = values.perspective as Perspective
    const params = parseParams(values.param)
    const dataset = values.dataset

    const target = resolveTarget(io.env, {cwd: io.cwd, ...(dataset ? {dataset} : {})})
    const client = createTargetClient(target, {maxRetries: 0})
    let result: unknown
    try {
      const missing = await missingDataset(client, target)
      if (missing) {
        writeLine(io.stderr, missing)
        return EXIT.RUNTIME_ERROR
      }
      result = await client.fetch(query, params, {perspective})
    } catch (error) {
      const explained = explainConnectionError(error, target)
      if (explained) {
        writeLine(io.stderr, explained)
        return EXIT.RUNTIME_ERROR
      }
      const status = (error as {statusCode?: number}).statusCode
      writeLine(io.stderr, (error as Error).message)
      return status !== undefined && status >= 400 && status < 500
        ? EXIT.USAGE_ERROR
        : EXIT.RUNTIME_ERROR
    }
    const json = io.stdout.isTTY ? JSON.stringify(result, null, 2) : JSON.stringify(result)
    writeLine(io.stdout, json ?? 'null')
    return EXIT.SUCCESS
  },
})

export const run = runnerOf(command)

if (import.meta.main) await runMain(command, 'query')

/**
 * The viewer token `npm run example` makes once for a private dataset, kept in the example's own
 * folder (gitignored), one for each lake data folder: a lake's data folder holds only what the lake
 * makes, and the lake refuses a folder holding anything else.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export const TOKENS_FILE = join(import.meta.dirname, '.viewer-tokens.json')

function load(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
}

/** The token saved for the lake whose data folder is `dataDir` (an absolute path), if any. */
export function savedToken(dataDir: string, file = TOKENS_FILE): string | undefined {
  return load(file)[dataDir]
}

/** Saves `token` for the lake whose data folder is `dataDir`; the file is owner-only. */
export function saveToken(dataDir: string, token: string, file = TOKENS_FILE): void {
  const tokens = {...load(file), [dataDir]: token}
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, {mode: 0o600})
}

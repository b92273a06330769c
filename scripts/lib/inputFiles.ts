/** Expands the files and folders given on the command line into the text files to import. */
import {readdirSync, statSync} from 'node:fs'
import {isAbsolute, join, relative, resolve, sep} from 'node:path'
import {UsageError} from '../../kit/cli.ts'

/** A file to import. */
export type InputFile = {
  /** Absolute path. */
  path: string
  /** The path as shown in messages: from the folder typed in, or absolute outside it. */
  display: string
}

const TEXT_FILE = /\.txt$/i

/**
 * Files are taken as given (whatever their extension); folders are searched recursively for
 * *.txt files, skipping hidden entries. The result is sorted by path, so runs are reproducible.
 */
export function collectInputFiles(paths: readonly string[], cwd: string): InputFile[] {
  const found = new Set<string>()
  for (const given of paths) {
    const path = resolve(cwd, given)
    let stats
    try {
      stats = statSync(path)
    } catch {
      throw new UsageError(
        `${given}: no such file or folder. Pass text files or folders that hold them.`,
      )
    }
    if (stats.isDirectory()) {
      const before = found.size
      walk(path, found)
      if (found.size === before) {
        throw new UsageError(`${given}: the folder holds no .txt files.`)
      }
    } else {
      found.add(path)
    }
  }
  return [...found].sort().map((path) => ({path, display: shown(path, cwd)}))
}

/** From the folder typed in when the file is under it; else absolute (`../../../tmp/x` says less). */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? path : rel
}

function walk(dir: string, found: Set<string>): void {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path, found)
    else if (entry.isFile() && TEXT_FILE.test(entry.name)) found.add(path)
  }
}

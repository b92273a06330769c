/** The Markdown files the docs tests read: README.md and every docs/*.md, from the repository's root. */
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
]

/** A file of the repository, by its path from the root. */
export function read(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8')
}

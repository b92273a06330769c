/**
 * Keeps the reference docs about what is: what changed and when goes once to docs/changes.md, and a
 * table cell stays a short line (anything longer goes to a section below the table), so that a
 * reader can find a behaviour by looking it up. docs/benchmarks-log.md is a log and keeps its dates.
 */
import {describe, expect, it} from 'vitest'
import {DOCS, read} from './docFiles.ts'
import {tableCells} from './markdown.ts'

const HISTORY = new Set(['docs/changes.md', 'docs/benchmarks-log.md'])
const reference = DOCS.filter((file) => !HISTORY.has(file))
/** A cell longer than this is an essay: it belongs in a section the row links to. */
const MAX_CELL = 400

describe('reference docs', () => {
  it.each(reference)('%s: says what is, with no "until <date>" or "before <date>"', (file) => {
    const text = read(file)
    // A clause may wrap, so the whole text is searched, not line by line.
    const dated = [...text.matchAll(/\b(?:until|before)\s+20\d\d-\d\d-\d\d/gi)].map(
      (match) => `${file}:${text.slice(0, match.index).split('\n').length}: ${match[0]}`,
    )
    expect(dated).toEqual([])
  })

  it.each(DOCS)(`%s: no table cell longer than ${MAX_CELL} characters`, (file) => {
    const long = tableCells(read(file))
      .filter((cell) => cell.text.length > MAX_CELL)
      .map((cell) => `${file}:${cell.line}: ${cell.text.length} characters`)
    expect(long).toEqual([])
  })
})

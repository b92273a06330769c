/** The files an import is given, and how its messages name them. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectInputFiles} from '../../scripts/lib/inputFiles.ts'
import {REPO_ROOT, SEED_FILE} from '../helpers/io.ts'

const elsewhere = mkdtempSync(join(tmpdir(), 'input-files-'))
afterAll(() => rmSync(elsewhere, {recursive: true, force: true}))

describe('collectInputFiles', () => {
  it('names a file under the folder typed in by its path from there', () => {
    expect(collectInputFiles(['data/seed'], REPO_ROOT)).toEqual([
      {path: SEED_FILE, display: 'data/seed/000_6a6c5dd935f09d3d.txt'},
    ])
  })

  // On main a story given as /tmp/…/one.txt was named ../../../tmp/…/one.txt in every warning.
  it('names a file outside it by its absolute path, not by climbing out with ../', () => {
    const file = join(elsewhere, 'one.txt')
    writeFileSync(file, 'শিরোনাম\n\nখবর।\n')
    expect(collectInputFiles([file], REPO_ROOT)).toEqual([{path: file, display: file}])
  })
})

/** The imported documents pass the Studio's own validation against the project's schema. */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'
import {validate} from '../schemas/_validate.ts'
import {SEED_FILE} from '../helpers/io.ts'

const docs = toDocuments(
  parseArticle(readFileSync(SEED_FILE, 'utf8'), {file: 'seed', asOf: '2025-07-20'}),
)

describe('imported documents against the schema', () => {
  it.each(docs.documents.map((doc) => [doc._id, doc] as const))(
    '%s has no validation errors',
    async (_id, doc) => {
      const markers = await validate(doc)
      expect(markers.filter((marker) => marker.level === 'error')).toEqual([])
    },
  )
})

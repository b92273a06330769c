// The schema types, grouped as in Sanity's templates.
import {articleType} from './articleType.ts'
import {headlineType} from './headlineType.ts'
import {articleBodyType} from './objects/articleBodyType.ts'
import {correctionType} from './objects/correctionType.ts'
import {datelineType} from './objects/datelineType.ts'
import {leadImageType} from './objects/leadImageType.ts'
import {sourceType} from './sourceType.ts'

export const schemaTypes = [
  // Documents
  articleType,
  headlineType,
  sourceType,
  // Objects
  datelineType,
  correctionType,
  leadImageType,
  articleBodyType,
]

// Runs Sanity's own document validation (validateDocument from 'sanity') against the project's
// schema, the way `sanity documents validate` and the Studio do.
import {
  createSchema,
  validateDocument,
  type SanityClient,
  type SanityDocument,
  type Workspace,
} from 'sanity'
import {schemaTypes} from '../../schemas/index.ts'

export const schema = createSchema({name: 'test', types: schemaTypes})

export type Marker = {level: string; path: string; message: string}

/** A client for datasets with no other documents: every uniqueness query finds nothing. */
export const emptyDatasetClient = {fetch: async () => false} as unknown as SanityClient

export async function validate(
  document: Record<string, unknown>,
  client: SanityClient = emptyDatasetClient,
): Promise<Marker[]> {
  const workspace = {schema, getClient: () => client} as unknown as Workspace
  const markers = await validateDocument({
    document: {
      _id: 'doc-1',
      _rev: 'r',
      _createdAt: '',
      _updatedAt: '',
      ...document,
    } as SanityDocument,
    workspace,
    // 'studio' as editors see it; in 'cli' Sanity downgrades object-field rules to warnings.
    environment: 'studio',
    getDocumentExists: async () => true,
  })
  return markers.map((marker) => ({
    level: marker.level,
    path: marker.path
      .map((segment) =>
        typeof segment === 'object' && segment !== null && '_key' in segment
          ? `[${String(segment._key)}]`
          : String(segment),
      )
      .join('.'),
    message: String(marker.message),
  }))
}

/** A valid article built from the seed story; tests change one field at a time. */
export function seedArticle(
  overrides: Record<string, unknown> = {},
): {_type: string} & Record<string, unknown> {
  return {
    _type: 'article',
    title: 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক',
    slug: {_type: 'slug', current: 'chinaa-presidenter-sange-rush-parrashtramantri'},
    publishedAt: '2025-07-15T04:00:00.000Z',
    dateline: {_type: 'dateline', text: 'মঙ্গলবার (১৫ই জুলাই) সকালে', place: 'বেইজিং'},
    byline: 'আন্তর্জাতিক ডেস্ক',
    credits: ['অনুপমা', 'আলিম', 'ছাই'],
    deskInitials: 'এমএসএম / এমএসএম',
    section: 'আন্তর্জাতিক',
    ...overrides,
  }
}

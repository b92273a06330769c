// Desk structure: articles newest first (detailed previews: the dates in three calendars and the
// source), headlines in list order, sources by name.
import type {StructureResolver} from 'sanity/structure'
import {ARTICLE_TYPE, HEADLINE_TYPE, SOURCE_TYPE} from '../schemas/names.ts'
import {bn} from './locale/bn.ts'

type SortOrdering = {field: string; direction: 'asc' | 'desc'}

/** The three lists, in the order editors see them, with their default sort. */
export const STRUCTURE_LISTS: ReadonlyArray<{
  id: string
  type: string
  title: string
  ordering: SortOrdering[]
  layout?: 'default' | 'detail'
}> = [
  {
    id: 'articles',
    type: ARTICLE_TYPE,
    title: bn.structure.articles,
    ordering: [{field: 'publishedAt', direction: 'desc'}],
    layout: 'detail',
  },
  {
    id: 'headlines',
    type: HEADLINE_TYPE,
    title: bn.structure.headlines,
    ordering: [{field: 'position', direction: 'asc'}],
  },
  {
    id: 'sources',
    type: SOURCE_TYPE,
    title: bn.structure.sources,
    ordering: [{field: 'name', direction: 'asc'}],
  },
]

export const structure: StructureResolver = (S) =>
  S.list()
    .id('root')
    .title(bn.structure.root)
    .items(
      STRUCTURE_LISTS.map(({id, type, title, ordering, layout = 'default'}) =>
        S.documentTypeListItem(type)
          .id(id)
          .title(title)
          .child(
            S.documentTypeList(type).title(title).defaultOrdering(ordering).defaultLayout(layout),
          ),
      ),
    )

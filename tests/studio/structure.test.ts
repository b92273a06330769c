// The desk structure, built with Sanity's real structure builder: Bengali titles, and each list's
// default ordering applied to documents shows articles newest first and headlines in list order.
import {evaluate, parse} from 'groq-js'
import {createStructureBuilder, type StructureBuilder} from 'sanity/structure'
import {describe, expect, it} from 'vitest'
import {structure} from '../../studio/structure.ts'
import {schema} from '../schemas/_validate.ts'

type SerializedList = {
  id: string
  title: string
  items: {id: string; title: string; schemaType?: {name: string}; child: SerializedDocumentList}[]
}
type SerializedDocumentList = {
  title: string
  options: {
    filter: string
    params: Record<string, unknown>
    defaultOrdering: {field: string; direction: 'asc' | 'desc'}[]
  }
}

async function buildRoot(): Promise<SerializedList> {
  // The parts of a workspace source the builder reads for document type lists.
  const source = {
    schema,
    getClient: () => ({}),
    i18n: {t: (key: string) => key},
    templates: [],
    document: {resolveNewDocumentOptions: () => []},
  }
  const S = createStructureBuilder({source, perspectiveStack: []} as unknown as Parameters<
    typeof createStructureBuilder
  >[0]) as StructureBuilder
  const root = await structure(S, {} as never)
  return (root as unknown as {serialize: (o: {path: string[]}) => SerializedList}).serialize({
    path: [],
  })
}

/** What the pane would list: the list's filter with its default ordering, over some documents. */
async function listed(list: SerializedDocumentList, dataset: object[]): Promise<string[]> {
  const order = list.options.defaultOrdering.map((o) => `${o.field} ${o.direction}`).join(', ')
  const query = `*[${list.options.filter}] | order(${order})._id`
  return (await evaluate(parse(query), {dataset, params: list.options.params})).get()
}

describe('structure', () => {
  it('lists articles, headlines and sources, in that order, with Bengali titles', async () => {
    const root = await buildRoot()
    expect(root.items.map((item) => [item.id, item.schemaType?.name, item.title])).toEqual([
      ['articles', 'article', 'প্রতিবেদন'],
      ['headlines', 'headline', 'শিরোনাম তালিকা'],
      ['sources', 'source', 'সূত্র'],
    ])
    expect(root.title).toBe('কনটেন্ট')
  })

  it('shows articles newest first', async () => {
    const [articles] = (await buildRoot()).items
    const dataset = [
      {_id: 'old', _type: 'article', publishedAt: '2025-07-01T00:00:00Z'},
      {_id: 'new', _type: 'article', publishedAt: '2025-07-15T04:00:00Z'},
      {_id: 'mid', _type: 'article', publishedAt: '2025-07-10T00:00:00Z'},
      {_id: 'h', _type: 'headline', position: 0},
    ]
    expect(await listed(articles.child, dataset)).toEqual(['new', 'mid', 'old'])
  })

  it('shows headlines in list order by position', async () => {
    const [, headlines] = (await buildRoot()).items
    const dataset = [
      {_id: 'third', _type: 'headline', position: 2},
      {_id: 'first', _type: 'headline', position: 0},
      {_id: 'second', _type: 'headline', position: 1},
    ]
    expect(await listed(headlines.child, dataset)).toEqual(['first', 'second', 'third'])
  })

  it('shows sources by name', async () => {
    const [, , sources] = (await buildRoot()).items
    const dataset = [
      {_id: 'cmg', _type: 'source', name: 'চায়না মিডিয়া গ্রুপ'},
      {_id: 'bss', _type: 'source', name: 'বাংলাদেশ সংবাদ সংস্থা'},
    ]
    expect(await listed(sources.child, dataset)).toEqual(['cmg', 'bss'])
  })
})

// @vitest-environment jsdom
/**
 * bench/studioWork.ts's previews are what sanity 6.9.2's own preview store sends (its
 * observeFields, behind createDocumentPreviewStore): a page of articles' previews and their
 * sources' names asked for together. It reads `document` (hence the DOM) and fetches once its
 * listener says it is connected.
 */
import {concat, filter, firstValueFrom, NEVER, of} from 'rxjs'
import {createDocumentPreviewStore} from 'sanity'
import {expect, test} from 'vitest'
import {studioPreviewBatch} from '../../bench/queries.ts'

const ARTICLE_FIELDS = ['title', 'publishedAt', 'source', 'leadImage']

test("a page's previews and their sources' names, as the Studio's preview store sends them", async () => {
  const sent: string[] = []
  const client = {
    observable: {
      // Each batch's answer: one array a `*[_id in [...]]`, its documents found.
      fetch: (query: string) => {
        sent.push(query)
        return of(
          [...query.matchAll(/\*\[_id in \[([^\]]*)\]\]/g)].map(([, ids]) =>
            (JSON.parse(`[${ids}]`) as string[]).map((_id) => ({_id, _rev: 'r', _type: 'doc'})),
          ),
        )
      },
    },
    listen: () => concat(of({type: 'welcome', listenerName: 'bench'}), NEVER),
    withConfig: () => client,
  }
  const store = createDocumentPreviewStore({client: client as never})
  const observe = (id: string, fields: string[]) =>
    firstValueFrom(store.observePaths({_type: 'reference', _ref: id}, fields).pipe(filter(Boolean)))
  await Promise.all([
    ...['article-1', 'article-2', 'article-3'].map((id) => observe(id, ARTICLE_FIELDS)),
    ...['source-1', 'source-2'].map((id) => observe(id, ['name'])),
  ])
  expect(sent).toEqual([
    studioPreviewBatch(['article-1', 'article-2', 'article-3'], ARTICLE_FIELDS),
    studioPreviewBatch(['source-1', 'source-2'], ['name']),
  ])
})

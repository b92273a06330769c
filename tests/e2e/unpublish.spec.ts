// An editor takes a published story off the site (unpublish, in Bengali), readers' GROQ no longer
// finds it while the text stays as a draft, and publishing it again puts it back.
import {expect, test} from './support/fixtures.ts'
import {footer, openArticle, publish, publishButton, signIn} from './support/studio-ui.ts'

const TITLE = 'প্রত্যাহার করা খবর: নদীভাঙনে তিন গ্রাম বিলীন'

test('unpublishing a story keeps it as a draft, off the published perspective', async ({
  page,
  lake,
}) => {
  const client = lake.client()
  await client.create({
    _id: 'article-unpublish-check',
    _type: 'article',
    title: TITLE,
    slug: {_type: 'slug', current: 'nadibhangane-tin-gram-bilin'},
    publishedAt: '2025-07-16T04:00:00Z',
  })
  const published = () =>
    client
      .withConfig({perspective: 'published'})
      .fetch<string | null>('*[_type == "article" && title == $title][0]._id', {title: TITLE})
  const draft = () =>
    client
      .withConfig({perspective: 'raw'})
      .fetch<string | null>('*[_id == "drafts.article-unpublish-check"][0].title')
  expect(await published()).toBe('article-unpublish-check')

  await signIn(page)
  const pane = await openArticle(page, TITLE)
  await pane.getByTestId('action-menu-button').click()
  await page.getByRole('menuitem', {name: 'প্রকাশ বাতিল করুন'}).click()
  await expect(page.getByText('ডকুমেন্টের প্রকাশ বাতিল করবেন?')).toBeVisible()
  await page.getByRole('button', {name: 'এখনই প্রকাশ বাতিল করুন'}).click()

  await expect.poll(published).toBeNull()
  await expect.poll(draft).toBe(TITLE)
  // The Studio shows it as a draft that can be published again.
  await expect(publishButton(pane)).toBeEnabled()
  await expect(pane.getByTestId('document-header-প্রকাশিত-chip')).toHaveCount(0)

  await publish(pane)
  await expect.poll(published).toBe('article-unpublish-check')
  await expect.poll(draft).toBeNull()
  await expect(footer(pane)).toContainText('শেষ প্রকাশ')
})

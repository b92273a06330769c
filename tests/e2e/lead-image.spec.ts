// Uploading a lead image from a file: the Studio shows it (served by the lake on its apiHost) and
// the lake keeps a queryable image asset with the dimensions the Studio's URL builder relies on.
import {fileURLToPath} from 'node:url'
import {expect, test} from './support/fixtures.ts'
import {input, openArticle, SEED, signIn, waitSaved} from './support/studio-ui.ts'

const IMAGE = fileURLToPath(new URL('../fixtures/lead-image.png', import.meta.url))

test('a lead image uploaded from a file shows in the form and its asset is queryable', async ({
  page,
  lake,
  timing,
}) => {
  await signIn(page)
  const pane = await openArticle(page, SEED.title)
  const field = pane.getByTestId('image-input')

  const started = Date.now()
  await field.locator('input[type="file"]').setInputFiles(IMAGE)
  const preview = field.locator('img').first()
  await expect(preview).toBeVisible()
  timing('image upload → preview shown', Date.now() - started)
  await expect(preview).toHaveAttribute(
    'src',
    /\/images\/local\/production\/[0-9a-f]{40}-160x90\.png/,
  )
  // The browser really got the pixels (not a broken image).
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160)

  await input(pane, 'leadImage.alt').fill('বাংলাদেশের পতাকা')
  await waitSaved(pane)

  const client = lake.client().withConfig({perspective: 'drafts'})
  await expect
    .poll(() =>
      client.fetch(
        `*[_type == "article" && title == $title][0].leadImage{alt, asset->{_id, url, mimeType, extension, originalFilename, metadata{dimensions}}}`,
        {title: SEED.title},
      ),
    )
    .toMatchObject({
      alt: 'বাংলাদেশের পতাকা',
      asset: {
        _id: expect.stringMatching(/^image-[0-9a-f]{40}-160x90-png$/),
        mimeType: 'image/png',
        extension: 'png',
        originalFilename: 'lead-image.png',
        metadata: {dimensions: {width: 160, height: 90}},
      },
    })
  const assets = await lake.client().fetch('count(*[_type == "sanity.imageAsset"])')
  expect(assets).toBe(1)
})

// A viewer can read everything, but every edit control is read-only, and the lake itself refuses
// a write made with the viewer's own token (the Studio's read-only form is not the only guard).
import {expect, test} from './support/fixtures.ts'
import {LAKE_PORT} from './support/config.ts'
import {openArticle, SEED, showGroup, signIn, publishButton} from './support/studio-ui.ts'

test('a viewer reads the article but cannot change it, in the Studio or at the lake', async ({
  page,
  lake,
}) => {
  await signIn(page, 'viewer')
  const pane = await openArticle(page, SEED.title)
  await showGroup(pane, 'all-fields')
  await expect(pane.getByTestId('field-body').getByTestId('text-block')).toHaveCount(4)

  const fields = pane.getByTestId('form-view').locator('input:not([type="hidden"]), textarea')
  expect(await fields.count()).toBeGreaterThan(5)
  const writable = await fields.evaluateAll((elements) =>
    elements
      .filter((el) => !(el as HTMLInputElement).readOnly && !(el as HTMLInputElement).disabled)
      .map((el) => el.getAttribute('name') ?? el.id),
  )
  expect(writable).toEqual([])
  const editable = await pane
    .locator('[contenteditable]')
    .evaluateAll((elements) => elements.map((el) => el.getAttribute('contenteditable')))
  expect(editable.length).toBeGreaterThan(0)
  expect(editable.every((value) => value === 'false')).toBe(true)
  await expect(publishButton(pane)).toBeDisabled()

  // Bypass the UI: the viewer's token, straight to the lake's mutate endpoint.
  const id = await lake.client().fetch('*[_type == "article"][0]._id')
  const attempt = await page.evaluate(
    async ({port, id, title}) => {
      const {token} = JSON.parse(localStorage.getItem('__studio_auth_token_local') ?? '{}')
      const res = await fetch(
        `https://local.localhost:${port}/v2025-02-19/data/mutate/production`,
        {
          method: 'POST',
          headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
          body: JSON.stringify({
            mutations: [{patch: {id, set: {title}}}],
          }),
        },
      )
      return {status: res.status, body: await res.text()}
    },
    {port: LAKE_PORT, id, title: 'ভিউয়ারের জোর করে লেখা'},
  )
  expect(attempt.status, attempt.body).toBe(403)
  const titles = await lake.client().fetch('*[_type == "article"].title')
  expect(titles).toEqual([SEED.title])
})

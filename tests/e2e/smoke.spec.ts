// The Studio's production bundle loads in Chromium against a fresh lake and asks to sign in.
import {expect, test} from './support/fixtures.ts'
import {openLoginScreen} from './support/studio-ui.ts'

test('the Studio loads and shows its login screen with the local provider', async ({
  page,
  timing,
}) => {
  const ms = await openLoginScreen(page)
  timing('login screen visible', ms)
  const paint = await page.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
  )
  if (paint !== null) timing('first contentful paint', paint)
  await expect(page.getByRole('link', {name: /local/i})).toBeVisible()
})

// The Studio's production bundle loads in Chromium against a fresh lake and, having one login
// provider, goes straight to the lake's Bengali sign-in form.
import {expect, test} from './support/fixtures.ts'
import {openLoginScreen} from './support/studio-ui.ts'

test('the Studio loads and opens the lake’s sign-in form', async ({page, timing}) => {
  const ms = await openLoginScreen(page)
  timing('login screen visible', ms)
  const paint = await page.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
  )
  if (paint !== null) timing('first contentful paint', paint)
  await expect(page.locator('form [type="submit"]')).toBeVisible()
})

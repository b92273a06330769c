// Signing in through the Studio's own login screen with a local account: the lake's form, the
// #sid hand-back and the token exchange. No token is planted in the browser beforehand.
import {USERS} from './support/config.ts'
import {expect, test} from './support/fixtures.ts'
import {openLoginScreen, signIn, submitLoginForm} from './support/studio-ui.ts'

test('a wrong password is refused on the form with a message', async ({page}) => {
  await openLoginScreen(page)
  await submitLoginForm(page, USERS.admin.email, 'not-the-password')
  // Still on the lake's form, with an error for the editor and no session handed to the Studio.
  await expect(page.locator('input[name="password"]')).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('ইমেইল বা পাসওয়ার্ড মেলেনি')
  expect(page.url()).not.toContain('#sid=')
  const token = await page.evaluate(() => localStorage.getItem('__studio_auth_token_local'))
  expect(token).toBeNull()
})

test('an editor signs in with the local account and lands in the Studio', async ({
  page,
  timing,
}) => {
  await openLoginScreen(page)
  // Nothing planted: the Studio starts without a token.
  expect(await page.evaluate(() => localStorage.getItem('__studio_auth_token_local'))).toBeNull()
  timing('sign in (Studio → lake form → Studio navbar)', await signIn(page, 'editor'))
  // The Studio exchanged the sid for a token and keeps it where its client looks for it.
  const stored = await page.evaluate(() => localStorage.getItem('__studio_auth_token_local'))
  expect(JSON.parse(stored ?? '{}').token).toMatch(/.{20,}/)
  await expect(page.getByTestId('pane-item-প্রতিবেদন')).toBeVisible()
})

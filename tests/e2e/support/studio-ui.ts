// What an editor does in the Studio, as reusable steps. Selectors prefer what the editor sees
// (roles, labels, Bengali titles) and fall back to the Studio's own data-testid attributes.
import {expect, type Locator, type Page} from '@playwright/test'
import {LAKE_PORT, STUDIO_URL, USERS, type UserName} from './config.ts'

export const SEED_TITLE = 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক'
export const ARTICLES_LIST = /^প্রতিবেদন/

/** Opens the Studio and waits for its login screen; returns ms from navigation to that screen. */
export async function openLoginScreen(page: Page): Promise<number> {
  const started = Date.now()
  await page.goto('/')
  await expect(page.getByText('Choose login provider', {exact: true})).toBeVisible()
  return Date.now() - started
}

/** The lake's sign-in form, reached through the Studio's provider button. */
export async function submitLoginForm(page: Page, email: string, password: string): Promise<void> {
  await page.getByRole('link', {name: /local/i}).click()
  await page.waitForURL(new RegExp(`^https://(local\\.)?localhost:${LAKE_PORT}/`))
  await page.locator('input[name="email"]').fill(email)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('form [type="submit"]').click()
}

/** Signs in through the Studio's login screen (no token planted) and waits for the navbar. */
export async function signIn(page: Page, who: UserName = 'admin'): Promise<void> {
  await openLoginScreen(page)
  await submitLoginForm(page, USERS[who].email, USERS[who].password)
  await page.waitForURL(`${STUDIO_URL}/**`)
  await expect(page.getByTestId('studio-navbar')).toBeVisible()
}

/** The Articles list pane (newest first), opened from the structure root. */
export async function openArticles(page: Page): Promise<Locator> {
  const lists = page.getByTestId('structure-tool-list-pane')
  await lists.first().getByRole('link', {name: ARTICLES_LIST}).first().click()
  const pane = page.getByTestId('document-list-pane')
  await expect(pane).toBeVisible()
  return pane
}

export async function openArticle(page: Page, title: string): Promise<Locator> {
  const list = await openArticles(page)
  await list
    .getByRole('link', {name: new RegExp(escapeRegExp(title))})
    .first()
    .click()
  const pane = page.getByTestId('document-pane')
  await expect(pane.getByTestId('document-panel-document-title')).toContainText(title)
  return pane
}

/** A field of the open document by its (Bengali) title. */
export function field(pane: Locator, title: string): Locator {
  return pane
    .locator('[data-testid^="field-"]', {
      has: pane.page().locator(`label:text-is("${title}"), legend:text-is("${title}")`),
    })
    .first()
}

/** Switches the document form to a field group tab (খবর, তথ্য, সম্পর্কিত, or 'All fields'). */
export async function showGroup(pane: Locator, title: string): Promise<void> {
  const tab = pane.getByTestId('field-group-tabs').getByRole('tab', {name: title})
  if (await tab.count()) {
    await tab.click()
    return
  }
  // Narrow panes show the groups as a select instead of tabs.
  await pane.getByTestId('field-group-select').selectOption({label: title})
}

export async function publish(pane: Locator): Promise<void> {
  const button = pane.getByTestId('action-publish')
  await expect(button).toBeEnabled()
  await button.click()
}

export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
}

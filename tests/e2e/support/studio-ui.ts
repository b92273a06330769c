// What an editor does in the Studio, as reusable steps. Selectors prefer what the editor sees
// (roles, labels, Bengali titles) and fall back to the Studio's own data-testid attributes.
import {expect, type Locator, type Page} from '@playwright/test'
import {LAKE_PORT, STUDIO_URL, USERS, type UserName} from './config.ts'

/** The imported seed article (data/seed/): its title, id and what the list shows under it. */
export const SEED = {
  title: 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক',
  /** The list's subtitle date (the weekday and the other calendars are in the description). */
  date: '১৫ জুলাই ২০২৫',
  source: 'চায়না মিডিয়া গ্রুপ',
  credits: ['অনুপমা', 'আলিম', 'ছাই'],
  firstParagraphStart: 'মঙ্গলবার (১৫ই জুলাই) সকালে',
  relatedCount: 11,
}

/**
 * Opens the Studio signed out and waits for the lake's sign-in form: the Studio has one login
 * provider and goes straight to it (auth.redirectOnSingle). Returns ms from navigation to the form.
 */
export async function openLoginScreen(page: Page): Promise<number> {
  const started = Date.now()
  await page.goto('/')
  await page.waitForURL(new RegExp(`^https://(local\\.)?localhost:${LAKE_PORT}/`))
  await expect(page.locator('input[name="email"]')).toBeVisible()
  return Date.now() - started
}

/** The lake's sign-in form (from the Studio's provider button when the Studio shows a chooser). */
export async function submitLoginForm(page: Page, email: string, password: string): Promise<void> {
  if (!new RegExp(`^https://(local\\.)?localhost:${LAKE_PORT}/`).test(page.url())) {
    await page.getByRole('link', {name: /local/i}).click()
    await page.waitForURL(new RegExp(`^https://(local\\.)?localhost:${LAKE_PORT}/`))
  }
  await page.locator('input[name="email"]').fill(email)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('form [type="submit"]').click()
}

/**
 * Signs in through the Studio's login screen (no token planted) and waits for the navbar.
 * Returns ms from opening the Studio to the signed-in navbar.
 */
export async function signIn(page: Page, who: UserName = 'admin'): Promise<number> {
  const started = Date.now()
  await openLoginScreen(page)
  await signInHere(page, who)
  return Date.now() - started
}

/** Signs in from the login screen the page shows (after a sign-out too) and waits for the navbar. */
export async function signInHere(page: Page, who: UserName): Promise<void> {
  await submitLoginForm(page, USERS[who].email, USERS[who].password)
  await page.waitForURL(`${STUDIO_URL}/**`)
  await appears(page.getByTestId('studio-navbar'))
}

/**
 * Waits until the Studio shows an element it has yet to render. Not `expect(…).toBeVisible()`:
 * each of its failed polls has Playwright snapshot the whole page's accessibility tree (for the
 * error message it may need), work done in the Studio's own busy renderer. Opening the seed story
 * took 1.3–1.7 times as long that way, and 1.2–1.4 times the renderer's CPU (two alternated runs
 * at load 22–31; docs/benchmarks-log.md, Studio e2e under load).
 */
export async function appears(locator: Locator, timeout?: number): Promise<void> {
  await locator.waitFor({state: 'visible', timeout})
}

/** The Articles list pane (newest first), opened from the structure root like an editor does. */
export async function openArticles(page: Page): Promise<Locator> {
  await page.getByTestId('pane-item-প্রতিবেদন').click()
  const list = page.getByTestId('document-list-pane')
  await appears(list)
  return list
}

/** Opens an article from the Articles list; returns its document pane. */
export async function openArticle(page: Page, title: string): Promise<Locator> {
  const list = await openArticles(page)
  await list
    .getByRole('link', {name: new RegExp(escapeRegExp(title))})
    .first()
    .click()
  return documentPane(page, title)
}

export async function documentPane(page: Page, title?: string): Promise<Locator> {
  const pane = page.getByTestId('document-pane')
  // The lake answered every question of the form within 1.1 s even at load 25–31; the rest is the
  // Studio rendering the form in Chromium: 2.5–3.7 s of the renderer's CPU, 28–51 s at load 22–31
  // alone, 63 s and over 90 s in front-page.spec.ts (its front page open beside it) at load 27–31
  // (docs/benchmarks-log.md, Studio e2e under load). Hence 150 s: room for that, not for a hang.
  await appears(pane.getByTestId('field-title'), 150_000)
  if (title) await expect(pane.getByTestId('document-panel-document-title')).toHaveText(title)
  return pane
}

/** The text input of a string field, by field name. */
export function input(pane: Locator, name: string): Locator {
  return pane.getByTestId(`field-${name}`).locator('input').first()
}

/** Switches the document form to a field group tab: all-fields, story, meta or related. */
export async function showGroup(pane: Locator, name: string): Promise<void> {
  await pane.getByTestId(`group-tab-${name}`).click()
}

/** The footer's status line ('সংরক্ষিত', 'প্রকাশিত এইমাত্র', …). */
export function footer(pane: Locator): Locator {
  return pane.getByTestId('pane-footer')
}

/**
 * The pane's Publish button. The Studio derives its test id from the localised label
 * (`action-প্রকাশকরুন`, then `action-প্রকাশিত`), so it is found by that prefix.
 */
export function publishButton(pane: Locator): Locator {
  return pane.locator('[data-testid^="action-প্রকাশ"]').first()
}

/** Clicks Publish and waits for the footer to confirm; returns the round trip in ms. */
export async function publish(pane: Locator): Promise<number> {
  const button = publishButton(pane)
  await expect(button).toBeEnabled()
  const started = Date.now()
  await button.click()
  // The button is disabled until the next edit, and the footer says 'শেষ প্রকাশ …' (last published).
  await expect(button).toBeDisabled()
  await expect(footer(pane)).toContainText('শেষ প্রকাশ')
  return Date.now() - started
}

/** Waits until the Studio has sent the typed changes to the lake. */
export async function waitSaved(pane: Locator): Promise<void> {
  await expect(footer(pane)).toContainText(/সংরক্ষিত|সম্পাদিত/)
}

export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
}

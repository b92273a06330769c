// Finds Studio strings still showing in English: every visible text, label, placeholder and title
// on the page is looked up among the US-English texts of the namespaces the bn-BD locale
// translates. A hit is a key the editor sees without Bengali text.
import type {Page} from '@playwright/test'
import {englishResources} from '../../studio/englishBundles.ts'

const NAMESPACES = ['studio', 'structure', 'validation', 'vision']

/** English text → its keys, for texts with a letter that are not placeholders only. */
function englishIndex(): Map<string, string[]> {
  const index = new Map<string, string[]>()
  for (const ns of NAMESPACES) {
    for (const [key, text] of Object.entries(englishResources(ns))) {
      // Texts with interpolation or markup never show verbatim; single letters are not words.
      if (/\{\{|<[A-Za-z]/.test(text) || !/[A-Za-z]{2}/.test(text)) continue
      const list = index.get(text) ?? []
      list.push(`${ns}:${key}`)
      index.set(text, list)
    }
  }
  return index
}

let cached: Map<string, string[]> | null = null

/** Everything the editor can read on the page now: text nodes, aria-labels, placeholders, titles. */
async function visibleStrings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found = new Set<string>()
    const visible = (el: Element) => {
      const box = (el as HTMLElement).getBoundingClientRect?.()
      if (!box || box.width === 0 || box.height === 0) return false
      const style = getComputedStyle(el)
      return style.visibility !== 'hidden' && style.display !== 'none'
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim()
      if (text && node.parentElement && visible(node.parentElement)) found.add(text)
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
      // @sanity/ui hard-codes its text inputs' clear button as "Clear": no Studio key, so no
      // locale can reach it (docs/studio-bengali.md lists it among what stays English).
      if (!visible(el) || el.matches('[data-qa="clear-button"]')) continue
      for (const name of ['aria-label', 'placeholder', 'title']) {
        const value = el.getAttribute(name)?.trim()
        if (value) found.add(value)
      }
    }
    return [...found]
  })
}

/** The Studio strings on the page that are still English, as `namespace:key "text"`. */
export async function englishOnPage(page: Page): Promise<string[]> {
  cached ??= englishIndex()
  const index = cached
  return (await visibleStrings(page))
    .filter((text) => index.has(text))
    .map((text) => `${index.get(text)!.join(' | ')} "${text}"`)
}

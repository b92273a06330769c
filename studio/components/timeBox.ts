// The date picker's time box in 24-hour time. The Studio's picker uses the browser's own
// `<input type="time">`, which Chromium draws in the browser's language (AM/PM in English) whatever
// the page's locale, while the date-time field beside it is 24-hour. The picker is rendered in a
// portal the field's input component cannot reach, so while a date input is on screen a
// MutationObserver turns each picker's time box into a text box for `HH:mm`: its value is already
// 24-hour `HH:mm` (an `<input type="time">` value always is), and the picker's own change handler
// parses `HH:mm` text. Bengali digits typed there become ASCII like in the field.
import {toAsciiDigits} from '../../bangla/index.ts'

/** The picker's popover (`data-testid="date-input-dialog"` in the Studio). */
const TIME_BOX = '[data-testid="date-input-dialog"] input[type="time"]'
export const TIME_BOX_PATTERN = '([01][0-9]|2[0-3]):[0-5][0-9]'
const MARK = 'data-bengali-time-box'

// Undefined outside a browser (schema extraction and tests load this module in Node).
const valueSetter =
  typeof HTMLInputElement === 'undefined'
    ? undefined
    : Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set

/** Bengali digits in the time box become ASCII before React's change handler reads them. */
function asciiTime(event: Event): void {
  const target = event.target as HTMLInputElement
  const ascii = toAsciiDigits(target.value)
  if (ascii === target.value || !valueSetter) return
  const caret = target.selectionStart
  // The prototype's setter, so React still sees a change (see BengaliDateInput's digits).
  valueSetter.call(target, ascii)
  if (caret !== null) target.setSelectionRange(caret, caret)
}

/** Turns one `<input type="time">` into a 24-hour `HH:mm` text box; keeps its value. */
export function makeTime24(input: HTMLInputElement): void {
  if (input.hasAttribute(MARK)) return
  const value = input.value
  input.setAttribute(MARK, '')
  // React set `type` once when it created the element and never sets it again.
  input.type = 'text'
  input.value = value
  input.inputMode = 'numeric'
  input.pattern = TIME_BOX_PATTERN
  input.maxLength = 5
  input.placeholder = 'HH:mm'
  input.autocomplete = 'off'
  input.addEventListener('input', asciiTime, true)
}

let users = 0
let observer: MutationObserver | undefined

function upgradeAll(): void {
  for (const input of document.querySelectorAll<HTMLInputElement>(TIME_BOX)) makeTime24(input)
}

/**
 * Starts watching for date pickers (counted: one observer however many date inputs are mounted);
 * returns the function that stops this use. Mutation callbacks run before the next paint, so an
 * AM/PM box is never drawn.
 */
export function watchTimeBoxes(): () => void {
  if (typeof MutationObserver === 'undefined' || typeof document === 'undefined') return () => {}
  if (users++ === 0) {
    observer = new MutationObserver(upgradeAll)
    observer.observe(document.body, {childList: true, subtree: true})
    upgradeAll()
  }
  return () => {
    if (--users === 0) {
      observer?.disconnect()
      observer = undefined
    }
  }
}

// The date picker's time box in 24-hour time. The Studio's picker uses the browser's own
// `<input type="time">`, which Chromium draws in the browser's language (AM/PM in English) whatever
// the page's locale, while the date-time field beside it is 24-hour. The picker is rendered in a
// portal the field's input component cannot reach, so while a date input is on screen a
// MutationObserver turns each picker's time box into a text box for `HH:mm`: its value is already
// 24-hour `HH:mm` (an `<input type="time">` value always is), and the picker's own change handler
// parses `HH:mm` text. Bengali digits typed there become ASCII, through the same rewriting as the
// date field's own box (asciiDigitsOnInput, used by BengaliDateInput too).
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

/**
 * Rewrites Bengali digits in a text input to ASCII before React sees the change. The prototype's
 * setter is used on purpose: React tracks the value through the element's own setter, and going
 * around it keeps React noticing the change, so the input's onChange still runs with ASCII text.
 */
export function asciiDigitsOnInput(event: Event): void {
  const target = event.target
  if (!(target instanceof HTMLInputElement) || (event as InputEvent).isComposing) return
  const ascii = toAsciiDigits(target.value)
  if (ascii === target.value || !valueSetter) return
  // Bengali and ASCII digits are one UTF-16 unit each: the caret stays where it was.
  const caret = target.selectionStart
  valueSetter.call(target, ascii)
  if (caret !== null && target.type === 'text') target.setSelectionRange(caret, caret)
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
  input.addEventListener('input', asciiDigitsOnInput, true)
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

// The date picker's time box in 24-hour time. The Studio's picker uses the browser's own
// `<input type="time">`, which Chromium draws in the browser's language (AM/PM in English) whatever
// the page's locale, while the date-time field beside it is 24-hour. React sets that input's type
// again on every render, so it cannot simply be retyped. Instead, while a date input is on screen,
// a MutationObserver puts a text box for `HH:mm` in each picker's time box's place (the picker is
// in a portal the field's input component cannot reach): it shows the picker's time, takes Bengali
// or ASCII digits, and hands every complete time to the hidden original as if typed there, so the
// picker's own change handler does the rest.
import {toAsciiDigits} from '../../bangla/index.ts'

/** The picker's popover (`data-testid="date-input-dialog"` in the Studio). */
const TIME_BOX = '[data-testid="date-input-dialog"] input[type="time"]:not([data-bengali-time-box])'
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

const TIME = new RegExp(`^${TIME_BOX_PATTERN}$`)

/** Gives the picker's own time input a value, as typing would (React sees the change). */
function typeInto(input: HTMLInputElement, value: string): void {
  valueSetter?.call(input, value)
  input.dispatchEvent(new Event('input', {bubbles: true}))
}

/** Puts a 24-hour `HH:mm` text box in place of one `<input type="time">`. */
export function makeTime24(original: HTMLInputElement): HTMLInputElement {
  original.setAttribute(MARK, '')
  const box = document.createElement('input')
  box.type = 'text'
  // The same look and the same name for assistive technology.
  box.className = original.className
  box.setAttribute('aria-label', original.getAttribute('aria-label') ?? '')
  box.setAttribute('data-testid', 'time-box-24h')
  box.inputMode = 'numeric'
  box.pattern = TIME_BOX_PATTERN
  box.maxLength = 5
  box.placeholder = 'HH:mm'
  box.autocomplete = 'off'
  box.value = original.value
  box.addEventListener('input', asciiDigitsOnInput)
  box.addEventListener('input', () => {
    if (TIME.test(box.value) && box.value !== original.value) typeInto(original, box.value)
  })
  // An unfinished time is dropped when the editor leaves the box.
  box.addEventListener('blur', () => {
    if (!TIME.test(box.value)) box.value = original.value
  })
  // The picker changes its time (a preset, 'now', another day): show it unless being typed over.
  new MutationObserver(() => {
    if (document.activeElement !== box) box.value = original.value
  }).observe(original, {attributes: true, attributeFilter: ['value']})
  original.style.display = 'none'
  original.after(box)
  return box
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

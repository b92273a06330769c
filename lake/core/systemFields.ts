/**
 * The top-level fields the lake and the Studio read on every document, checked on each document a
 * transaction writes (whole or patched): `_type` is text without control characters and
 * `_createdAt` a date-time with its zone, as hosted Sanity writes them (the Studio sorts and dates
 * documents by it). A `_type` holding a NUL or a line break names
 * no schema type. `_ref` is checked where documents are walked (limits.ts), `_id` by ids.ts.
 */
import {itemError, MutationError} from './errors.ts'
import type {ErrorType} from './limits.ts'

/** C0, DEL and C1: Unicode's control characters (general category Cc). */
const CONTROL = /\p{Cc}/u

// RFC 3339's date-time, and what Date.parse reads as one instant wherever it runs: a date alone
// (UTC's midnight), a space for the `T`, an offset without its colon (`+0600`). Older lakes stored
// such values and hosted exports may hold them; a date-time without its zone is local time, read
// differently where the reader is, and stays refused.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-](\d{2}):?(\d{2})))?$/

/** Whether `value` is a date-time with its zone (or a date alone) naming a real day and time. */
export function isDateTime(value: unknown): value is string {
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null
  if (!m || Number.isNaN(Date.parse(m[0]))) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0))
  const zoneHours = m[9] === undefined ? 0 : Number(m[9])
  const zoneMinutes = m[10] === undefined ? 0 : Number(m[10])
  // Date.UTC rolls 30 February over to March: the day must come back as given.
  const date = new Date(Date.UTC(year, month - 1, day))
  return (
    month >= 1 &&
    month <= 12 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    zoneHours <= 23 &&
    zoneMinutes <= 59
  )
}

/**
 * Refuses a document whose `_type` holds a control character, or whose `_createdAt` is not a
 * date-time. `serverTime` is the transaction's own timestamp (or its stand-in): never refused.
 * `held`: whether the document (or its published or draft copy) already holds `_createdAt` as it
 * is, asked only of one that fails: a write that does not change a value does not re-check it,
 * so documents stored before this check stay editable.
 */
export function checkSystemFields(
  id: string,
  doc: {_type?: unknown; _createdAt?: unknown},
  serverTime: string,
  index: number,
  errorType: ErrorType = 'mutationError',
  held: (createdAt: unknown) => boolean = () => false,
): void {
  const type = doc._type
  const control = typeof type === 'string' ? CONTROL.exec(type) : null
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    throw refused(
      id,
      index,
      errorType,
      `Document "${id}" has a \`_type\` holding a control character (U+${code} at character ${control.index + 1}): a type is a schema type's name, as \`article\``,
    )
  }
  const createdAt = doc._createdAt
  if (createdAt !== serverTime && !isDateTime(createdAt) && !held(createdAt)) {
    const shown = JSON.stringify(
      typeof createdAt === 'string' && createdAt.length > 64
        ? `${createdAt.slice(0, 64)}…`
        : createdAt,
    )
    throw refused(
      id,
      index,
      errorType,
      `Document "${id}" has a \`_createdAt\` that is no date-time: ${shown}; send an RFC 3339 date-time with its zone, as "2026-01-31T09:30:00Z", or leave it out (a new document gets the server's time, an existing one keeps its own)`,
    )
  }
}

function refused(id: string, index: number, errorType: ErrorType, description: string) {
  const verb = errorType === 'actionError' ? 'action' : 'mutation'
  return new MutationError(
    `The ${verb}(s) failed: ${description}`,
    [itemError('validationError', description, {id, ...(index >= 0 ? {index} : {})})],
    errorType,
  )
}

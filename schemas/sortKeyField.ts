// The hidden sort-key field of articles and headlines (SORT_KEY_FIELD): written with the title,
// never shown or edited, read by the 'শিরোনাম, বর্ণানুক্রমে' ordering.
import {defineField} from 'sanity'
import {SORT_KEY_FIELD} from './names.ts'

export function sortKeyField() {
  return defineField({
    name: SORT_KEY_FIELD,
    title: 'বর্ণানুক্রমের চাবি',
    type: 'string',
    hidden: true,
    readOnly: true,
  })
}

/**
 * The ordering 'শিরোনাম, বর্ণানুক্রমে': by the sort key (whose code-point order is Bengali order; GROQ
 * orders strings by code point), then by the text itself for documents without a key yet.
 */
export function alphabeticalOrdering(name: string, textField: string) {
  return {
    name,
    title: 'শিরোনাম, বর্ণানুক্রমে',
    by: [
      {field: SORT_KEY_FIELD, direction: 'asc' as const},
      {field: textField, direction: 'asc' as const},
    ],
  }
}

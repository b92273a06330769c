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

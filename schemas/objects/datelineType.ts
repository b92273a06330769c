// Dateline: the opening phrase as written, e.g. 'মঙ্গলবার (১৫ই জুলাই) সকালে', and an optional place.
import {PinIcon} from '@sanity/icons/Pin'
import {defineField, defineType} from 'sanity'
import {DATELINE_TYPE} from '../names.ts'
import {textValidation} from '../validation.ts'

export const datelineType = defineType({
  name: DATELINE_TYPE,
  title: 'ডেটলাইন',
  type: 'object',
  icon: PinIcon,
  fields: [
    defineField({
      name: 'text',
      title: 'ডেটলাইন',
      description: 'প্রতিবেদনের শুরুর বাক্যাংশ, যেমন লেখা হয়েছে: ‘মঙ্গলবার (১৫ই জুলাই) সকালে’',
      type: 'string',
      validation: textValidation(),
    }),
    defineField({
      name: 'place',
      title: 'স্থান',
      description: 'যেখান থেকে খবরটি, যেমন ‘বেইজিং’ (ঐচ্ছিক)',
      type: 'string',
      validation: textValidation(),
    }),
  ],
})

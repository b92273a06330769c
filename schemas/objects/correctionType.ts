// A published correction: when it was made and what was corrected.
import {EditIcon} from '@sanity/icons/Edit'
import {defineField, defineType} from 'sanity'
import {formatGregorianBn} from '../../bangla/index.ts'
import {CORRECTION_TYPE} from '../names.ts'
import {textValidation} from '../validation.ts'

export const correctionType = defineType({
  name: CORRECTION_TYPE,
  title: 'সংশোধনী',
  type: 'object',
  icon: EditIcon,
  fields: [
    defineField({
      name: 'date',
      title: 'তারিখ',
      type: 'date',
      validation: (rule) => rule.required().error('সংশোধনের তারিখ দিন'),
    }),
    defineField({
      name: 'text',
      title: 'কী সংশোধন করা হয়েছে',
      type: 'text',
      rows: 3,
      validation: textValidation({required: 'সংশোধনীর বিবরণ লিখুন'}),
    }),
  ],
  preview: {
    select: {text: 'text', date: 'date'},
    prepare: ({text, date}) => ({
      title: text,
      subtitle: date ? formatGregorianBn(new Date(date)) : undefined,
    }),
  },
})

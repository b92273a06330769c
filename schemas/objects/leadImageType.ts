// The article's lead image, with the text a newsroom prints and screen readers need.
import {ImageIcon} from '@sanity/icons/Image'
import {defineField, defineType} from 'sanity'
import {LEAD_IMAGE_TYPE} from '../names.ts'
import {textValidation} from '../validation.ts'

export const leadImageType = defineType({
  name: LEAD_IMAGE_TYPE,
  title: 'প্রধান ছবি',
  type: 'image',
  icon: ImageIcon,
  options: {hotspot: true},
  fields: [
    defineField({
      name: 'alt',
      title: 'বিকল্প লেখা',
      description: 'ছবিতে কী দেখা যাচ্ছে, যাঁরা ছবি দেখতে পান না তাঁদের জন্য',
      type: 'string',
      validation: textValidation({required: 'ছবির বিকল্প লেখা (alt) দিন'}),
    }),
    defineField({
      name: 'caption',
      title: 'ক্যাপশন',
      type: 'string',
      validation: textValidation(),
    }),
    defineField({
      name: 'credit',
      title: 'ছবির কৃতিত্ব',
      description: 'আলোকচিত্রী বা সংস্থা, যেমন ‘ছবি: সিএমজি’',
      type: 'string',
      validation: textValidation(),
    }),
  ],
})

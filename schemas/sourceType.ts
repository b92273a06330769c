// Source: the agency, broadcaster or newspaper a story comes from (e.g. চায়না মিডিয়া গ্রুপ, সিএমজি).
import {EarthGlobeIcon} from '@sanity/icons/EarthGlobe'
import {defineField, defineType} from 'sanity'
import {SLUG_MAX_LENGTH, SOURCE_KINDS, SOURCE_TYPE} from './names.ts'
import {
  checkSlugUnique,
  skipBuiltInUniqueness,
  slugifyBengali,
  textValidation,
} from './validation.ts'

export const sourceType = defineType({
  name: SOURCE_TYPE,
  title: 'সূত্র',
  description: 'সংবাদ সংস্থা, সম্প্রচারমাধ্যম বা পত্রিকা, যেখান থেকে খবর আসে',
  type: 'document',
  icon: EarthGlobeIcon,
  fields: [
    defineField({
      name: 'name',
      title: 'নাম',
      description: 'পূর্ণ নাম, যেমন ‘চায়না মিডিয়া গ্রুপ’',
      type: 'string',
      validation: textValidation({required: 'সূত্রের নাম দিন'}),
    }),
    defineField({
      name: 'slug',
      title: 'স্লাগ',
      type: 'slug',
      options: {
        source: 'name',
        maxLength: SLUG_MAX_LENGTH,
        slugify: slugifyBengali,
        isUnique: skipBuiltInUniqueness,
      },
      validation: (rule) => rule.custom(checkSlugUnique).error(),
    }),
    defineField({
      name: 'shortName',
      title: 'সংক্ষিপ্ত নাম',
      description: 'যেমন ‘সিএমজি’',
      type: 'string',
      validation: textValidation(),
    }),
    defineField({
      name: 'kind',
      title: 'ধরন',
      type: 'string',
      options: {list: SOURCE_KINDS.map(({value, title}) => ({value, title})), layout: 'radio'},
    }),
    defineField({
      name: 'url',
      title: 'ওয়েবসাইট',
      type: 'url',
      validation: (rule) => rule.uri({scheme: ['http', 'https']}).error('একটি সঠিক ঠিকানা দিন'),
    }),
  ],
  orderings: [{name: 'nameAsc', title: 'নাম অনুযায়ী', by: [{field: 'name', direction: 'asc'}]}],
  preview: {
    select: {title: 'name', shortName: 'shortName', kind: 'kind'},
    prepare: ({title, shortName, kind}) => ({
      title,
      subtitle:
        [shortName, SOURCE_KINDS.find((entry) => entry.value === kind)?.title]
          .filter(Boolean)
          .join(' · ') || undefined,
    }),
  },
})

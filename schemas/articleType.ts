// Article: a news story as a Bangladeshi newsroom publishes it.
import {DocumentTextIcon} from '@sanity/icons/DocumentText'
import {defineArrayMember, defineField, defineType} from 'sanity'
import {withSortKey} from '../studio/components/BengaliTextInput.tsx'
import {
  ARTICLE_BODY_TYPE,
  ARTICLE_TITLE_LIMIT,
  ARTICLE_TYPE,
  CORRECTION_TYPE,
  DATELINE_TYPE,
  HEADLINE_TYPE,
  LEAD_IMAGE_TYPE,
  SECTIONS,
  SLUG_MAX_LENGTH,
  SOURCE_TYPE,
  SORT_KEY_FIELD,
} from './names.ts'
import {alphabeticalOrdering, sortKeyField} from './sortKeyField.ts'
import {articleDescription, articleSubtitle} from './preview.ts'
import {
  checkSlugUnique,
  checkUpdatedAfterPublished,
  skipBuiltInUniqueness,
  slugifyBengali,
  textValidation,
} from './validation.ts'

export const articleType = defineType({
  name: ARTICLE_TYPE,
  title: 'প্রতিবেদন',
  description: 'একটি সংবাদ প্রতিবেদন: শিরোনাম, ডেটলাইন, মূল লেখা, সূত্র ও সম্পর্কিত শিরোনাম',
  type: 'document',
  icon: DocumentTextIcon,
  groups: [
    {name: 'story', title: 'খবর', default: true},
    {name: 'meta', title: 'তথ্য'},
    {name: 'related', title: 'সম্পর্কিত'},
  ],
  fields: [
    defineField({
      name: 'title',
      title: 'শিরোনাম',
      description: '৯০ অক্ষরের মধ্যে রাখা ভালো; ১৫০ অক্ষরের বেশি চলবে না',
      type: 'string',
      group: 'story',
      components: {input: withSortKey(ARTICLE_TITLE_LIMIT, SORT_KEY_FIELD)},
      validation: textValidation({
        required: 'শিরোনাম দিন',
        limit: ARTICLE_TITLE_LIMIT,
        expectBengali: true,
      }),
    }),
    sortKeyField(),
    defineField({
      name: 'slug',
      title: 'স্লাগ (ওয়েব ঠিকানা)',
      description: '‘তৈরি করুন’ চাপলে শিরোনাম থেকে ইংরেজি হরফে ঠিকানা তৈরি হয়',
      type: 'slug',
      group: 'story',
      options: {
        source: 'title',
        maxLength: SLUG_MAX_LENGTH,
        slugify: slugifyBengali,
        isUnique: skipBuiltInUniqueness,
      },
      validation: (rule) => [
        rule.required().error('স্লাগ দিন: ‘তৈরি করুন’ চাপুন'),
        rule.custom(checkSlugUnique).error(),
      ],
    }),
    defineField({
      name: 'kicker',
      title: 'কিকার',
      description: 'শিরোনামের ওপরের ছোট লেখা (ঐচ্ছিক)',
      type: 'string',
      group: 'story',
      validation: textValidation(),
    }),
    defineField({
      name: 'subheadline',
      title: 'উপশিরোনাম',
      type: 'string',
      group: 'story',
      validation: textValidation(),
    }),
    defineField({
      name: 'dateline',
      title: 'ডেটলাইন',
      type: DATELINE_TYPE,
      group: 'story',
    }),
    defineField({
      name: 'publishedAt',
      title: 'প্রকাশের সময়',
      type: 'datetime',
      group: ['story', 'meta'],
      initialValue: () => new Date().toISOString(),
      validation: (rule) => rule.required().error('প্রকাশের সময় দিন'),
    }),
    defineField({
      name: 'updatedAt',
      title: 'হালনাগাদের সময়',
      type: 'datetime',
      group: 'meta',
      validation: (rule) =>
        rule
          .custom((value, context) =>
            checkUpdatedAfterPublished(
              value,
              (context.document as {publishedAt?: unknown})?.publishedAt,
            ),
          )
          .error(),
    }),
    defineField({
      name: 'summary',
      title: 'সারসংক্ষেপ',
      description: 'তালিকা ও সামাজিক মাধ্যমে দেখানোর জন্য দু-এক বাক্য',
      type: 'text',
      rows: 3,
      group: 'story',
      validation: textValidation(),
    }),
    defineField({
      name: 'body',
      title: 'মূল লেখা',
      type: ARTICLE_BODY_TYPE,
      group: 'story',
    }),
    defineField({
      name: 'leadImage',
      title: 'প্রধান ছবি',
      type: LEAD_IMAGE_TYPE,
      group: 'story',
    }),
    defineField({
      name: 'byline',
      title: 'বাইলাইন',
      description: 'ডেস্ক বা প্রতিবেদক, যেমন ‘আন্তর্জাতিক ডেস্ক’',
      type: 'string',
      group: 'meta',
      validation: textValidation(),
    }),
    defineField({
      name: 'source',
      title: 'সূত্র',
      description: 'যে সংস্থা থেকে খবরটি এসেছে',
      type: 'reference',
      to: [{type: SOURCE_TYPE}],
      group: 'meta',
    }),
    defineField({
      name: 'credits',
      title: 'কৃতিত্ব',
      description: 'সূত্র লাইনে যাঁদের নাম আছে, একজন করে (যেমন ‘অনুপমা’, ‘আলিম’)',
      type: 'array',
      of: [defineArrayMember({type: 'string', validation: textValidation()})],
      group: 'meta',
    }),
    defineField({
      name: 'deskInitials',
      title: 'ডেস্কের আদ্যক্ষর',
      description: 'প্রতিবেদনের শেষে ছাপা আদ্যক্ষর, যেমন ‘এমএসএম / এমএসএম’',
      type: 'string',
      group: 'meta',
      validation: textValidation(),
    }),
    defineField({
      name: 'section',
      title: 'বিভাগ',
      type: 'string',
      group: 'meta',
      options: {list: SECTIONS.map((section) => ({title: section, value: section}))},
    }),
    defineField({
      name: 'tags',
      title: 'ট্যাগ',
      type: 'array',
      of: [defineArrayMember({type: 'string', validation: textValidation()})],
      options: {layout: 'tags'},
      group: 'meta',
    }),
    defineField({
      name: 'relatedHeadlines',
      title: 'সম্পর্কিত শিরোনাম',
      type: 'array',
      // Titled, so the Studio says 'শিরোনাম' and not 'Reference to শিরোনাম'.
      of: [defineArrayMember({type: 'reference', title: 'শিরোনাম', to: [{type: HEADLINE_TYPE}]})],
      group: 'related',
    }),
    defineField({
      name: 'corrections',
      title: 'সংশোধনী',
      type: 'array',
      of: [defineArrayMember({type: CORRECTION_TYPE})],
      group: 'related',
    }),
  ],
  orderings: [
    {
      name: 'publishedAtDesc',
      title: 'প্রকাশের সময়, নতুন আগে',
      by: [{field: 'publishedAt', direction: 'desc'}],
    },
    {
      name: 'publishedAtAsc',
      title: 'প্রকাশের সময়, পুরোনো আগে',
      by: [{field: 'publishedAt', direction: 'asc'}],
    },
    alphabeticalOrdering('titleAsc', 'title'),
  ],
  preview: {
    select: {
      title: 'title',
      publishedAt: 'publishedAt',
      sourceName: 'source.name',
      media: 'leadImage',
    },
    prepare: ({title, publishedAt, sourceName, media}) => ({
      title,
      subtitle: articleSubtitle(publishedAt, sourceName),
      description: articleDescription(publishedAt),
      media,
    }),
  },
})

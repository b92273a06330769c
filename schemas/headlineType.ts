// Headline: one line of the headline list (ticker / related headlines), optionally an article's own title.
import {ThListIcon} from '@sanity/icons/ThList'
import {defineField, defineType, type InitialValueResolverContext} from 'sanity'
import {withSortKey} from '../studio/components/BengaliTextInput.tsx'
import {ARTICLE_TYPE, HEADLINE_TEXT_LIMIT, HEADLINE_TYPE, SORT_KEY_FIELD} from './names.ts'
import {headlineTitle} from './preview.ts'
import {alphabeticalOrdering, sortKeyField} from './sortKeyField.ts'
import {textValidation} from './validation.ts'

/** The last position in use (drafts included) plus one; 0 for the first headline. */
export const LAST_POSITION_QUERY = `*[_type == "${HEADLINE_TYPE}" && defined(position)] | order(position desc)[0].position`

export async function nextHeadlinePosition(
  _params: unknown,
  context: Pick<InitialValueResolverContext, 'getClient'>,
): Promise<number> {
  const last = await context.getClient({apiVersion: '2025-02-19'}).fetch(LAST_POSITION_QUERY)
  return typeof last === 'number' && Number.isFinite(last) ? Math.floor(last) + 1 : 0
}

export const headlineType = defineType({
  name: HEADLINE_TYPE,
  title: 'শিরোনাম',
  description: 'শিরোনাম তালিকার একটি লাইন; কারও উক্তি হলে বক্তার নাম আলাদা ঘরে',
  type: 'document',
  icon: ThListIcon,
  fields: [
    defineField({
      name: 'text',
      title: 'শিরোনাম',
      description: '১২০ অক্ষরের বেশি চলবে না; বক্তার নাম এখানে নয়, নিচের ঘরে',
      type: 'string',
      components: {input: withSortKey(HEADLINE_TEXT_LIMIT, SORT_KEY_FIELD)},
      validation: textValidation({required: 'শিরোনাম লিখুন', limit: HEADLINE_TEXT_LIMIT}),
    }),
    sortKeyField(),
    defineField({
      name: 'speaker',
      title: 'বক্তা',
      description: 'তালিকায় ‘ : ’ চিহ্নের পরে যাঁর নাম ছাপা হয় (ঐচ্ছিক)',
      type: 'string',
      validation: textValidation(),
    }),
    defineField({
      name: 'article',
      title: 'প্রতিবেদন',
      description: 'শিরোনামটি কোনো প্রতিবেদনের নিজের শিরোনাম হলে সেটি বেছে নিন',
      type: 'reference',
      to: [{type: ARTICLE_TYPE}],
    }),
    defineField({
      name: 'position',
      title: 'ক্রম',
      description: 'তালিকায় অবস্থান; ছোট সংখ্যা আগে',
      type: 'number',
      // A new headline goes after the last one in the list.
      initialValue: nextHeadlinePosition,
      validation: (rule) => rule.integer().min(0).error('ক্রম শূন্য বা তার বেশি পূর্ণসংখ্যা হবে'),
    }),
    defineField({
      name: 'breaking',
      title: 'ব্রেকিং',
      description: 'চালু করলে শিরোনামটি টিকারে দেখানো হয়',
      type: 'boolean',
      initialValue: false,
    }),
  ],
  orderings: [
    {name: 'positionAsc', title: 'তালিকার ক্রমে', by: [{field: 'position', direction: 'asc'}]},
    alphabeticalOrdering('textAsc', 'text'),
  ],
  preview: {
    select: {text: 'text', speaker: 'speaker', breaking: 'breaking'},
    prepare: ({text, speaker, breaking}) => ({
      title: headlineTitle(text, speaker),
      subtitle: breaking ? 'ব্রেকিং · টিকারে দেখানো হচ্ছে' : undefined,
    }),
  },
})

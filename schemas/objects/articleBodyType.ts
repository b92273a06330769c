// Article body as Portable Text: paragraphs, h2/h3, blockquotes; bold, italic and links.
import {BlockquoteIcon} from '@sanity/icons/Blockquote'
import {LinkIcon} from '@sanity/icons/Link'
import {defineArrayMember, defineField, defineType} from 'sanity'
import {ARTICLE_BODY_TYPE} from '../names.ts'
import {checkBlocksNfc} from '../validation.ts'

// Paragraph styles by the names editors see; next-sanity's PortableText renders each value by
// default.
const BLOCK_STYLES = [
  {title: 'অনুচ্ছেদ', value: 'normal'},
  {title: 'উপশিরোনাম ২', value: 'h2'},
  {title: 'উপশিরোনাম ৩', value: 'h3'},
  {title: 'উদ্ধৃতি', value: 'blockquote'},
]

const DECORATORS = [
  {title: 'গাঢ়', value: 'strong'},
  {title: 'বাঁকা', value: 'em'},
]

export const articleBodyType = defineType({
  name: ARTICLE_BODY_TYPE,
  title: 'মূল লেখা',
  type: 'array',
  icon: BlockquoteIcon,
  of: [
    defineArrayMember({
      type: 'block',
      styles: BLOCK_STYLES,
      lists: [],
      marks: {
        decorators: DECORATORS,
        annotations: [
          defineArrayMember({
            name: 'link',
            title: 'লিংক',
            type: 'object',
            icon: LinkIcon,
            fields: [
              defineField({
                name: 'href',
                title: 'ঠিকানা (URL)',
                type: 'url',
                validation: (rule) =>
                  rule
                    .required()
                    .uri({scheme: ['http', 'https', 'mailto']})
                    .error('একটি সঠিক ঠিকানা দিন (https://…)'),
              }),
            ],
          }),
        ],
      },
    }),
  ],
  validation: (rule) => rule.custom(checkBlocksNfc).error(),
})

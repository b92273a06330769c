// Number fields in Bengali: ৭৫ typed in the headline's ক্রম stores 75 (the Studio's own number input
// is <input type="number">, which takes no Bengali digits and stores nothing, silently).
import {studioTheme, ThemeProvider} from '@sanity/ui'
import {createElement} from 'react'
import {renderToStaticMarkup} from 'react-dom/server'
import type {SchemaType} from 'sanity'
import {describe, expect, it, vi} from 'vitest'
import {NfcFormInput} from '../../studio/components/BengaliTextInput.tsx'
import {formatNumberText, parseNumberText} from '../../studio/numberText.ts'
import {schema} from '../schemas/_validate.ts'

describe('number text', () => {
  it.each([
    ['৭৫', 75],
    ['75', 75],
    [' ৭৫ ', 75],
    ['০', 0],
    ['-১২', -12],
    ['−১২', -12],
    ['৩.৫', 3.5],
    ['১,২৩৪', 1234],
    ['১২,৩৪,৫৬৭', 1234567],
  ])('reads %j as %d', (text, number) => {
    expect(parseNumberText(text)).toBe(number)
  })

  it('reads an empty box as no value, and anything else as not a number', () => {
    expect(parseNumberText('')).toBeUndefined()
    expect(parseNumberText('  ')).toBeUndefined()
    for (const text of ['৭৫ক', 'abc', '1.2.3', '-', '.', '১,২', '9007199254740993']) {
      expect(parseNumberText(text), text).toBeNull()
    }
  })

  it('shows numbers in Bengali digits, as the Studio does, and reads them back', () => {
    expect(formatNumberText(75)).toBe('৭৫')
    expect(formatNumberText(-3.25)).toBe('-৩.২৫')
    for (const n of [0, 75, -12, 3.5, 1234567]) expect(parseNumberText(formatNumberText(n))).toBe(n)
  })
})

describe('the number input', () => {
  const position = (
    schema.get('headline') as {fields: {name: string; type: SchemaType}[]}
  ).fields.find((field) => field.name === 'position')!.type

  it('is what the form-wide middleware renders for a number field, showing Bengali digits', () => {
    const renderDefault = vi.fn()
    const html = renderToStaticMarkup(
      createElement(
        ThemeProvider,
        {theme: studioTheme},
        createElement(NfcFormInput, {
          schemaType: position,
          value: 75,
          onChange: () => {},
          validation: [],
          elementProps: {id: 'position', onBlur: () => {}, onFocus: () => {}, value: '75'},
          renderDefault,
        } as never),
      ),
    )
    expect(renderDefault).not.toHaveBeenCalled()
    expect(html).toContain('value="৭৫"')
    expect(html).toContain('inputMode="decimal"')
    expect(html).not.toContain('type="number"')
  })
})

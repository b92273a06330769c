// Number fields in Bengali: ৭৫ typed in the headline's ক্রম stores 75 (the Studio's own number input
// is <input type="number">, which takes no Bengali digits and stores nothing, silently).
import {studioTheme, ThemeProvider} from '@sanity/ui'
import {createElement} from 'react'
import {renderToStaticMarkup} from 'react-dom/server'
import type {SchemaType} from 'sanity'
import fc from 'fast-check'
import {describe, expect, it, vi} from 'vitest'
import {NfcFormInput} from '../../studio/components/BengaliTextInput.tsx'
import {formatNumberText, isPartialNumberText, parseNumberText} from '../../studio/numberText.ts'
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

  it('shows very large and very small numbers in digits the field reads back (no exponent)', () => {
    for (const n of [1e21, -1e21, 1e-7, 1.5e-7, 2 ** 80 * 3 + 2 ** 40, 5e-324, Number.MAX_VALUE]) {
      const shown = formatNumberText(n)
      expect(shown, String(n)).not.toMatch(/e/i)
      expect(parseNumberText(shown), `${n} shown as ${shown}`).toBe(n)
    }
  })

  it('reads back any finite number it shows, as that number', () => {
    fc.assert(
      fc.property(fc.double({noNaN: true, noDefaultInfinity: true}), (n) => {
        expect(parseNumberText(formatNumberText(n))).toBe(Object.is(n, -0) ? 0 : n)
      }),
      {numRuns: 2000},
    )
  })

  it('reads 7. (on the way to 7.5) as 7, and a lone sign, point or trailing comma as unfinished', () => {
    expect(parseNumberText('৭.')).toBe(7)
    expect(parseNumberText('-৭.')).toBe(-7)
    for (const text of ['-', '+', '.', '-.', '১,', '১২,৩', '১,২৩৪,']) {
      expect(isPartialNumberText(text), text).toBe(true)
    }
    for (const text of ['ক', '৭৫ক', '1.2.3', '১,২৩৪৫'])
      expect(isPartialNumberText(text), text).toBe(false)
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

  it('leaves a number field with a list of options to the Studio (its dropdown or radios)', () => {
    const renderDefault = vi.fn(() => null)
    const props = {
      schemaType: {...position, options: {list: [1, 2, 3]}},
      value: 2,
      onChange: () => {},
      validation: [],
      elementProps: {id: 'position', onBlur: () => {}, onFocus: () => {}, value: '2'},
      renderDefault,
    }
    renderToStaticMarkup(
      createElement(
        ThemeProvider,
        {theme: studioTheme},
        createElement(NfcFormInput, props as never),
      ),
    )
    expect(renderDefault).toHaveBeenCalledWith(props)
  })
})

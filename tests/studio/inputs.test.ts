// The NFC text inputs: which fields get them, caret handling, what they store, and the counter.
import {studioTheme, ThemeProvider} from '@sanity/ui'
import {createElement, type ReactNode} from 'react'
import {renderToStaticMarkup} from 'react-dom/server'
import type {SchemaType} from 'sanity'
import {describe, expect, it, vi} from 'vitest'
import {
  BengaliTextInput,
  caretAfterNfc,
  GraphemeCounter,
  isFreeTextType,
  NfcFormInput,
} from '../../studio/components/BengaliTextInput.tsx'
import {schema} from '../schemas/_validate.ts'

const PRECOMPOSED = 'রাশি\u09DFা' // 'রাশিয়া' with U+09DF
const NFC = PRECOMPOSED.normalize('NFC') // য + nukta: one code unit longer

function fieldType(typeName: string, path: string[]): SchemaType {
  let type = schema.get(typeName) as SchemaType & {fields?: {name: string; type: SchemaType}[]}
  for (const name of path) {
    type = type.fields!.find((field) => field.name === name)!.type as typeof type
  }
  return type
}

const render = (node: ReactNode) =>
  renderToStaticMarkup(createElement(ThemeProvider, {theme: studioTheme}, node))

describe('which inputs normalise', () => {
  it.each([
    [['title'], true],
    [['summary'], true],
    [['dateline', 'text'], true],
    [['section'], false], // a list of options, not free text
    [['slug'], false],
    [['publishedAt'], false],
    [['source'], false],
  ])('article.%s → %s', (path, expected) => {
    expect(isFreeTextType(fieldType('article', path))).toBe(expected)
  })

  it('source.url is not free text; credits items are', () => {
    expect(isFreeTextType(fieldType('source', ['url']))).toBe(false)
    const credits = fieldType('article', ['credits']) as unknown as {of: SchemaType[]}
    expect(isFreeTextType(credits.of[0])).toBe(true)
  })
})

describe('caretAfterNfc', () => {
  it('moves the caret past the extra code unit NFC adds', () => {
    expect(NFC.length).toBe(PRECOMPOSED.length + 1)
    expect(caretAfterNfc(PRECOMPOSED, PRECOMPOSED.length)).toBe(NFC.length)
    expect(caretAfterNfc(PRECOMPOSED, 2)).toBe(2)
  })
})

describe('BengaliTextInput', () => {
  /** Renders the input with a renderDefault that hands back the elementProps it was given. */
  function renderInput(extra: Record<string, unknown> = {}) {
    const calls = {change: vi.fn(), blur: vi.fn(), patch: vi.fn()}
    let elementProps: Record<string, (event: unknown) => void> = {}
    const props = {
      value: '',
      schemaType: fieldType('article', ['title']),
      elementProps: {onChange: calls.change, onBlur: calls.blur, value: ''},
      onChange: calls.patch,
      renderDefault: (p: {elementProps: typeof elementProps}) => {
        elementProps = p.elementProps
        return createElement('input')
      },
      ...extra,
    }
    const html = render(createElement(BengaliTextInput, props as never))
    return {html, calls, elementProps: () => elementProps}
  }

  const typed = (value: string, caret = value.length, isComposing = false) => {
    const element = {
      value,
      selectionStart: caret,
      setSelectionRange: vi.fn(),
    }
    return {currentTarget: element, nativeEvent: {isComposing}}
  }

  it('stores what the editor typed in NFC and keeps the caret after the word', () => {
    const {calls, elementProps} = renderInput()
    const event = typed(PRECOMPOSED)
    elementProps().onChange(event)
    expect(calls.change).toHaveBeenCalledOnce()
    expect(event.currentTarget.value).toBe(NFC)
    expect(event.currentTarget.setSelectionRange).toHaveBeenCalledWith(NFC.length, NFC.length)
  })

  it('leaves NFC text and IME compositions alone; blur normalises what composition left', () => {
    const {calls, elementProps} = renderInput()
    const composing = typed(PRECOMPOSED, PRECOMPOSED.length, true)
    elementProps().onChange(composing)
    expect(composing.currentTarget.value).toBe(PRECOMPOSED)
    elementProps().onBlur(typed(PRECOMPOSED))
    expect(calls.patch).toHaveBeenCalledWith(expect.objectContaining({type: 'set', value: NFC}))
    expect(calls.blur).toHaveBeenCalledOnce()

    const already = typed(NFC)
    elementProps().onChange(already)
    expect(already.currentTarget.setSelectionRange).not.toHaveBeenCalled()
  })

  it('shows the grapheme counter under the field when the field has a limit', () => {
    const {html} = renderInput({value: 'স্ত্রী'.repeat(42), graphemeLimit: {warn: 90, max: 150}})
    expect(html).toContain('৪২ / ৯০ অক্ষর')
    expect(renderInput().html).not.toContain('অক্ষর')
  })

  it('renders the counter in Bengali digits', () => {
    expect(
      render(createElement(GraphemeCounter, {value: 'কা'.repeat(121), limit: {max: 120}})),
    ).toContain('১২১ / ১২০ অক্ষর')
  })

  it('form-wide middleware passes non-text inputs through untouched', () => {
    const renderDefault = vi.fn(() => createElement('span', null, 'default'))
    const html = render(
      createElement(NfcFormInput, {
        schemaType: fieldType('article', ['publishedAt']),
        renderDefault,
      } as never),
    )
    expect(html).toContain('default')
    expect(renderDefault).toHaveBeenCalledOnce()
  })
})

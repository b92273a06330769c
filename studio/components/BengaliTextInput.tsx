// Text inputs that keep what editors type in Unicode NFC and, where a field has a limit, count
// grapheme clusters (the letters an editor sees) under the field.
import {Box, Card, Stack, Text} from '@sanity/ui'
import {useCallback, useMemo, type ChangeEvent, type ComponentType, type FocusEvent} from 'react'
import {
  PatchEvent,
  set,
  unset,
  useFormCallbacks,
  type InputProps,
  type NumberInputProps,
  type SchemaType,
  type StringInputProps,
  type TextInputProps,
} from 'sanity'
import {graphemeLength, nfc, sortKey} from '../../bangla/index.ts'
import {counterLabel, type CounterLimit} from '../counter.ts'
import {inputStats, timed} from '../inputStats.ts'
import {BengaliDateInput, isDateType} from './BengaliDateInput.tsx'
import {BengaliNumberInput, isNumberType} from './BengaliNumberInput.tsx'

type TextElement = HTMLInputElement | HTMLTextAreaElement
type PlainTextInputProps = StringInputProps | TextInputProps

// Types whose stored JSON is a string but whose input is not free text.
const NOT_FREE_TEXT = new Set(['slug', 'url', 'email', 'date', 'datetime', 'reference'])

/** Whether a schema type is edited as free text (string or text, not a list of options). */
export function isFreeTextType(schemaType: SchemaType): boolean {
  const options = schemaType.options as {list?: unknown[]} | undefined
  if (options?.list && options.list.length > 0) return false
  for (let type: SchemaType | undefined = schemaType; type; type = type.type) {
    if (NOT_FREE_TEXT.has(type.name)) return false
    if (type.name === 'string' || type.name === 'text') return true
  }
  return false
}

/**
 * Position of the caret after normalising: NFC of the text before the caret. NFC can change the
 * length (U+09DF য় becomes য + nukta), so the old offset would land in the wrong place.
 */
export function caretAfterNfc(text: string, caret: number): number {
  return nfc(text.slice(0, caret)).length
}

/** Called with the text an editor's change stores (NFC). */
type OnStored = (value: string) => void

/** elementProps whose change and blur handlers store NFC text. */
function useNfcElementProps(
  props: PlainTextInputProps,
  onStored?: OnStored,
): PlainTextInputProps['elementProps'] {
  const {elementProps, onChange} = props
  return useMemo(() => {
    const handleChange = (event: ChangeEvent<TextElement>) => {
      timed(inputStats.nfc, () => {
        const element = event.currentTarget
        const raw = element.value
        // Rewriting the value mid-composition would break IMEs; blur normalises what is left.
        const composing = (event.nativeEvent as InputEvent).isComposing === true
        const normalised = nfc(raw)
        if (!composing && normalised !== raw) {
          const caret = caretAfterNfc(raw, element.selectionStart ?? raw.length)
          element.value = normalised
          element.setSelectionRange(caret, caret)
        }
      })
      ;(elementProps.onChange as (event: ChangeEvent<TextElement>) => void)(event)
      onStored?.(event.currentTarget.value)
    }
    const handleBlur = (event: FocusEvent<TextElement>) => {
      const raw = event.currentTarget.value
      if (raw && raw !== nfc(raw)) {
        onChange(set(nfc(raw)))
        onStored?.(nfc(raw))
      }
      ;(elementProps.onBlur as (event: FocusEvent<TextElement>) => void)(event)
    }
    return {...elementProps, onChange: handleChange, onBlur: handleBlur}
  }, [elementProps, onChange, onStored]) as PlainTextInputProps['elementProps']
}

export function GraphemeCounter(props: {value: string | undefined; limit: CounterLimit}) {
  const {text, tone} = timed(inputStats.counter, () =>
    counterLabel(graphemeLength(props.value ?? ''), props.limit),
  )
  return (
    <Card tone={tone} radius={2} paddingX={1} paddingY={1}>
      <Text size={1} muted={tone === 'default'} data-testid="grapheme-counter">
        {text}
      </Text>
    </Card>
  )
}

/** A string/text input that stores NFC; with a limit it shows the grapheme counter below. */
export function BengaliTextInput(
  props: PlainTextInputProps & {graphemeLimit?: CounterLimit; onStored?: OnStored},
) {
  const {graphemeLimit, onStored, ...inputProps} = props
  const elementProps = useNfcElementProps(inputProps, onStored)
  const input = inputProps.renderDefault({...inputProps, elementProps} as InputProps)
  if (!graphemeLimit) return input
  return (
    <Stack gap={2}>
      {input}
      <Box>
        <GraphemeCounter value={inputProps.value} limit={graphemeLimit} />
      </Box>
    </Stack>
  )
}

/** A field-level input component with a grapheme counter for the given limit. */
export function withGraphemeCounter(limit: CounterLimit): ComponentType<PlainTextInputProps> {
  function GraphemeCountedInput(props: PlainTextInputProps) {
    return <BengaliTextInput {...props} graphemeLimit={limit} />
  }
  return GraphemeCountedInput
}

/** The patch that keeps a sibling sort-key field in step with the title an editor stored. */
export function sortKeyPatch(field: string, title: string): PatchEvent {
  return PatchEvent.from(title ? set(sortKey(title), [field]) : unset([field]))
}

/**
 * A title input (grapheme counter for `limit`) that also stores the title's Bengali sort key in
 * the sibling field `keyField`, so lists sort by it (GROQ orders by code point; see
 * bangla/sort.ts). Written on the editor's own changes only: opening a document changes nothing.
 */
export function withSortKey(
  limit: CounterLimit,
  keyField: string,
): ComponentType<PlainTextInputProps> {
  function SortKeyedTitleInput(props: PlainTextInputProps) {
    // The form's change handler at the title's level: paths are relative to the title's parent.
    const {onChange} = useFormCallbacks()
    const onStored = useCallback(
      (title: string) => onChange(sortKeyPatch(keyField, title)),
      [onChange],
    )
    return <BengaliTextInput {...props} graphemeLimit={limit} onStored={onStored} />
  }
  return SortKeyedTitleInput
}

/**
 * Form-wide input middleware (config `form.components.input`): every free-text input stores NFC,
 * every date, date-time and number input takes Bengali digits.
 */
export function NfcFormInput(props: InputProps) {
  if (isDateType(props.schemaType)) return <BengaliDateInput {...props} />
  if (isNumberType(props.schemaType)) return <BengaliNumberInput {...(props as NumberInputProps)} />
  if (!isFreeTextType(props.schemaType)) return props.renderDefault(props)
  return <BengaliTextInput {...(props as PlainTextInputProps)} />
}

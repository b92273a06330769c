// The number input an editor can type in Bengali: the Studio's own is <input type="number">, which
// takes no Bengali digits (৭৫ left the field empty, without a word). A text box that reads Bengali
// or ASCII digits, stores the number, and shows stored numbers in Bengali digits.
import {Stack, Text, TextInput} from '@sanity/ui'
import {useEffect, useState, type ChangeEvent, type FocusEvent} from 'react'
import {set, unset, type NumberInputProps, type SchemaType} from 'sanity'
import {formatNumberText, isPartialNumberText, parseNumberText} from '../numberText.ts'
import {bn} from '../locale/bn.ts'

/**
 * Whether the schema type is (built on) Sanity's number and typed in a box: one with a list of
 * options is the Studio's own dropdown or radios, left to it.
 */
export function isNumberType(schemaType: SchemaType): boolean {
  // As the Studio's resolveNumberInput: any `list` option makes it a SelectInput.
  const options = schemaType.options as {list?: unknown} | undefined
  return schemaType.jsonType === 'number' && !options?.list
}

export function BengaliNumberInput(props: NumberInputProps) {
  const {value, onChange, elementProps, validationError} = props
  // The editor's own text while they type (৭৫, or 7 on the way to 7.5); null shows the stored value.
  const [text, setText] = useState<string | null>(null)
  const parsed = text === null ? value : parseNumberText(text)
  // Another editor's change (or an undo) replaces text that no longer says the stored value.
  useEffect(() => {
    if (text !== null && parsed !== null && parsed !== value) setText(null)
  }, [text, parsed, value])

  const handleChange = (event: ChangeEvent<HTMLInputElement>) => {
    const typed = event.currentTarget.value
    setText(typed)
    const number = parseNumberText(typed)
    if (number === undefined) onChange(unset())
    else if (number !== null && number !== value) onChange(set(number))
  }
  const handleBlur = (event: FocusEvent<HTMLInputElement>) => {
    setText(null)
    elementProps.onBlur(event)
  }
  // 7. or - on the way to 7.5 or -5 is not yet a number, and not wrong either.
  const notANumber = parsed === null && !(text !== null && isPartialNumberText(text))
  return (
    <Stack gap={2}>
      <TextInput
        {...elementProps}
        type="text"
        // Digits, sign and point on a phone's keyboard; a Bengali keyboard still types ০–৯.
        inputMode="decimal"
        value={text ?? (typeof value === 'number' ? formatNumberText(value) : '')}
        onChange={handleChange}
        onBlur={handleBlur}
        customValidity={notANumber ? bn.number.invalid : validationError}
        data-testid="number-input"
      />
      {notANumber && (
        <Text size={1} muted data-testid="number-input-invalid">
          {bn.number.invalid}
        </Text>
      )}
    </Stack>
  )
}

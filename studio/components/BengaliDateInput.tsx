// Date and date-time inputs an editor can type in Bengali: Bengali digits become ASCII as they are
// typed (the stored value is ISO), a corrected entry never stays stuck, and under the field the
// chosen day is shown in the Gregorian, Bangla and Hijri calendars.
import {Stack, Text} from '@sanity/ui'
import {useCallback, useEffect, useRef, useState, type ReactNode} from 'react'
import type {FormPatch, InputProps, PatchEvent, SchemaType} from 'sanity'
import {formatBanglaCalendar, formatGregorianBn, formatHijriBn} from '../../bangla/index.ts'
import {asciiDigitsOnInput, watchTimeBoxes} from './timeBox.ts'

const DATE_TYPES = new Set(['date', 'datetime'])

/** Whether the schema type is (built on) Sanity's date or datetime. */
export function isDateType(schemaType: SchemaType): boolean {
  for (let type: SchemaType | undefined = schemaType; type; type = type.type) {
    if (DATE_TYPES.has(type.name)) return true
  }
  return false
}

const timeBn = new Intl.DateTimeFormat('bn-BD', {
  timeZone: 'Asia/Dhaka',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** The chosen day in three calendars (and the time in Dhaka for a date-time), for under the field. */
export function calendarLine(value: string, withTime: boolean): string | null {
  const time = Date.parse(value)
  if (Number.isNaN(time)) return null
  const parts = [formatGregorianBn(value)]
  if (withTime) parts.push(timeBn.format(time))
  parts.push(formatBanglaCalendar(value), formatHijriBn(value))
  return parts.join(' · ')
}

function isSameValueSet(patch: FormPatch | FormPatch[] | PatchEvent, value: unknown): boolean {
  const patches = Array.isArray(patch) ? patch : 'patches' in patch ? patch.patches : [patch]
  return (
    patches.length === 1 &&
    patches[0].type === 'set' &&
    patches[0].path.length === 0 &&
    patches[0].value === value
  )
}

export function BengaliDateInput(props: InputProps) {
  const {onChange, value, schemaType} = props
  const ref = useRef<HTMLDivElement>(null)
  // Sanity's input keeps unparsable text until the stored value changes; when a correction parses
  // to the value already stored, nothing changes and the old text (and its error) would stay. One
  // render without the value clears that text.
  const [refresh, setRefresh] = useState(false)
  useEffect(() => {
    if (refresh) setRefresh(false)
  }, [refresh])

  useEffect(() => {
    const root = ref.current
    root?.addEventListener('input', asciiDigitsOnInput, true)
    return () => root?.removeEventListener('input', asciiDigitsOnInput, true)
  }, [])
  // The picker's time box in 24-hour time, like the field.
  useEffect(() => watchTimeBoxes(), [])

  const handleChange = useCallback(
    (patch: FormPatch | FormPatch[] | PatchEvent) => {
      if (isSameValueSet(patch, value)) setRefresh(true)
      onChange(patch)
    },
    [onChange, value],
  )

  const withTime = !isPlainDate(schemaType)
  const line = typeof value === 'string' ? calendarLine(value, withTime) : null
  const input: ReactNode = props.renderDefault({
    ...props,
    onChange: handleChange,
    value: refresh ? undefined : value,
  } as InputProps)
  return (
    // Sanity's date inputs draw their own field (title, presence, validation) inside `field-<id>`;
    // the calendars go under it, in this wrapper.
    <Stack gap={2} ref={ref} data-testid={`date-field-${props.id}`}>
      {input}
      {line && (
        <Text size={1} muted data-testid="bangla-dates">
          {line}
        </Text>
      )}
    </Stack>
  )
}

function isPlainDate(schemaType: SchemaType): boolean {
  for (let type: SchemaType | undefined = schemaType; type; type = type.type) {
    if (type.name === 'date') return true
    if (type.name === 'datetime') return false
  }
  return false
}

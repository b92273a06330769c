// Preview text shared by the schema previews: the Gregorian date in Bengali and the Bangla calendar date.
import {formatBanglaCalendar, formatGregorianBn} from '../bangla/index.ts'

/** 'মঙ্গলবার, ১৫ জুলাই ২০২৫ · ৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ', or undefined without a valid date. */
export function bengaliDates(iso: string | undefined): string | undefined {
  if (!iso) return undefined
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return undefined
  return `${formatGregorianBn(date)} · ${formatBanglaCalendar(date)}`
}

/** The article preview's subtitle: dates, then the source. */
export function articleSubtitle(publishedAt?: string, sourceName?: string): string | undefined {
  const parts = [bengaliDates(publishedAt), sourceName].filter((part): part is string => !!part)
  return parts.length > 0 ? parts.join(' · ') : undefined
}

/** A headline as printed in the list: the text, then ' : ' and the speaker when there is one. */
export function headlineTitle(text?: string, speaker?: string): string | undefined {
  if (!text) return undefined
  return speaker ? `${text} : ${speaker}` : text
}

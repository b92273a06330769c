// Preview text shared by the schema previews: the Gregorian date in Bengali, the Bangla calendar
// date and the Hijri date, split so a narrow list pane still shows the date and the source.
import {formatBanglaCalendar, formatGregorianBn, formatHijriBn} from '../bangla/index.ts'

/** 'মঙ্গলবার, ১৫ জুলাই ২০২৫ · ৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ', or undefined without a valid date. */
export function bengaliDates(iso: string | undefined): string | undefined {
  if (!iso) return undefined
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return undefined
  return `${formatGregorianBn(date)} · ${formatBanglaCalendar(date)}`
}

function validDate(iso: string | undefined): Date | undefined {
  if (!iso) return undefined
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/**
 * The article preview's subtitle, short enough for a 340 px pane: the Gregorian date without the
 * weekday, then the source ('১৫ জুলাই ২০২৫ · চায়না মিডিয়া গ্রুপ').
 */
export function articleSubtitle(publishedAt?: string, sourceName?: string): string | undefined {
  const date = validDate(publishedAt)
  const parts = [date && formatGregorianBn(date, {weekday: false}), sourceName].filter(
    (part): part is string => !!part,
  )
  return parts.length > 0 ? parts.join(' · ') : undefined
}

/**
 * The article preview's description (shown where the pane has room, in the detailed list and in
 * search): the weekday, the Bangla calendar date and the Hijri date.
 */
export function articleDescription(publishedAt?: string): string | undefined {
  const date = validDate(publishedAt)
  if (!date) return undefined
  const weekday = formatGregorianBn(date).split(',')[0]
  return `${weekday} · ${formatBanglaCalendar(date)} · ${formatHijriBn(date)}`
}

/** A headline as printed in the list: the text, then ' : ' and the speaker when there is one. */
export function headlineTitle(text?: string, speaker?: string): string | undefined {
  if (!text) return undefined
  return speaker ? `${text} : ${speaker}` : text
}

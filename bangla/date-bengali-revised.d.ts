// date-bengali-revised ships types, but its package.json "exports" has no "types" condition,
// so NodeNext resolution cannot see them. The part of its API we use:
declare module 'date-bengali-revised' {
  export default class CalendarBengaliRevised {
    constructor(year?: number | string, month?: number | string, day?: number | string)
    year: number
    month: number
    day: number
    fromGregorian(year: number, month: number, day: number): this
    fromDate(date: Date): this
    toGregorian(): {year: number; month: number; day: number}
    toDate(): Date
    format(formatStr?: string): string
  }
}

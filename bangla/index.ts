// The Bengali text module: NFC, graphemes, script/spacing/digit checks, the three front-page
// dates, romanised slugs and the search analyzer. No I/O; safe to import from the Studio, scripts and the lake.
export * from './text.ts'
export * from './digits.ts'
export * from './dates.ts'
export * from './transliterate.ts'
export * from './search.ts'
export * from './sort.ts'

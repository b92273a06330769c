'use client'
import {useSyncExternalStore} from 'react'
import {formatFrontPageDate} from '../../../bangla/dates.ts'

/**
 * The masthead's date (Gregorian, Bangla and Hijri, for the day in Dhaka), read in the browser: the
 * front page is prerendered and served from the cache until a publish expires it, so a date
 * rendered on the server is the day of the last publish or build. Next.js's advice for the current
 * time shown for display is a Client Component; the articles stay static.
 */
export function TodaysDate() {
  // Empty in the prerendered HTML (no date is better than yesterday's), filled on hydration.
  const today = useSyncExternalStore(onDayChange, todayInDhaka, () => '')
  return <p className="date">{today}</p>
}

function todayInDhaka(): string {
  return formatFrontPageDate(new Date())
}

/** Asks again every minute, so a page left open turns over at Dhaka's midnight. */
function onDayChange(changed: () => void): () => void {
  const timer = setInterval(changed, 60_000)
  return () => clearInterval(timer)
}

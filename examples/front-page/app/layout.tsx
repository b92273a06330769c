import type {ReactNode} from 'react'
import {expireLiveTags} from '../sanity/actions.ts'
import {SanityLive} from '../sanity/live.ts'
import './globals.css'

export const metadata = {
  title: 'খবর — স্থানীয় লেক থেকে',
  description: 'A Bengali news front page on Sanity',
}

export default function RootLayout({children}: {children: ReactNode}) {
  return (
    <html lang="bn">
      <body>
        <header className="masthead">
          <a href="/">খবর</a>
        </header>
        <main>{children}</main>
        {/* Expires the cached queries a publish changed (Live Content API) and re-renders. */}
        <SanityLive action={expireLiveTags} />
      </body>
    </html>
  )
}

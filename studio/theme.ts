// The Studio theme: Noto Sans Bengali, self-hosted from @fontsource-variable (bundled by Vite, so
// the Studio needs no font CDN), first in every font stack. It also covers Latin, so it leads.
// global.css does the same for the page body, which the theme does not reach.
import '@fontsource-variable/noto-sans-bengali'
import './global.css'
import {studioTheme} from '@sanity/ui'
import {buildLegacyTheme} from 'sanity'

export const BENGALI_FONT_FAMILY = "'Noto Sans Bengali Variable'"

/** The default stack without Inter: Sanity's CSS loads Inter from its CDN for any character the
 * fonts before it lack, and system fonts cover those just as well offline. */
const withoutInter = (stack: string): string =>
  stack
    .split(',')
    .map((family) => family.trim())
    .filter((family) => !/^["']?Inter/.test(family))
    .join(', ')

export const fontStacks = {
  base: `${BENGALI_FONT_FAMILY}, ${withoutInter(studioTheme.fonts.text.family)}`,
  // Code (Vision, GROQ) stays monospace; Bengali string literals fall back to Noto.
  monospace: `${studioTheme.fonts.code.family}, ${BENGALI_FONT_FAMILY}`,
}

// buildLegacyTheme is the public way to set the Studio's fonts; the other properties keep defaults.
export const theme = buildLegacyTheme({
  '--font-family-base': fontStacks.base,
  '--font-family-monospace': fontStacks.monospace,
})

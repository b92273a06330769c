// The Studio theme: Noto Sans Bengali, self-hosted from @fontsource-variable (bundled by Vite, so
// the Studio needs no font CDN), first in every font stack. It also covers Latin, so it leads.
import '@fontsource-variable/noto-sans-bengali'
import {studioTheme} from '@sanity/ui'
import {buildLegacyTheme} from 'sanity'

export const BENGALI_FONT_FAMILY = "'Noto Sans Bengali Variable'"

export const fontStacks = {
  base: `${BENGALI_FONT_FAMILY}, ${studioTheme.fonts.text.family}`,
  // Code (Vision, GROQ) stays monospace; Bengali string literals fall back to Noto.
  monospace: `${studioTheme.fonts.code.family}, ${BENGALI_FONT_FAMILY}`,
}

// buildLegacyTheme is the public way to set the Studio's fonts; the other properties keep defaults.
export const theme = buildLegacyTheme({
  '--font-family-base': fontStacks.base,
  '--font-family-monospace': fontStacks.monospace,
})

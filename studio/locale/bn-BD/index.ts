/**
 * The Studio in Bengali (Bangladesh), made the way Sanity's own locale plugins (@sanity/locale-*)
 * are: `defineLocale` with one resource bundle per namespace, loaded lazily. What it leaves out falls
 * back to English. The user menu's language list and the navbar switch offer English as well.
 */
import {defineLocale, definePlugin} from 'sanity'

export const BN_BD = 'bn-BD'

export const bnBD = defineLocale({
  id: BN_BD,
  title: 'বাংলা',
  // Bangladesh: the week starts on Saturday; Friday and Saturday are the weekend.
  weekInfo: {firstDay: 6, weekend: [5, 6]},
  bundles: [
    {namespace: 'studio', resources: () => import('./studio.ts')},
    {namespace: 'structure', resources: () => import('./structure.ts')},
    {namespace: 'validation', resources: () => import('./validation.ts')},
    {namespace: 'vision', resources: () => import('./vision.ts')},
  ],
})

/** Adds bn-BD after English; the Studio starts in the last locale unless the editor chose one. */
export const bnBDLocale = definePlugin({
  name: 'bangla-newsroom/locale-bn-bd',
  i18n: {locales: [bnBD]},
})

// One click between Bengali and English: a navbar button that switches to the other locale (the
// user menu's language list offers the same). The choice is stored per browser by the Studio.
import {Button} from '@sanity/ui'
import {useLocale, type NavbarProps} from 'sanity'
import {BN_BD} from '../locale/bn-BD/index.ts'

export function LanguageSwitch() {
  const {currentLocale, locales, changeLocale} = useLocale()
  const target =
    currentLocale.id === BN_BD
      ? locales.find((locale) => locale.id !== BN_BD)
      : locales.find((locale) => locale.id === BN_BD)
  if (!target) return null
  const toBengali = target.id === BN_BD
  return (
    <Button
      mode="bleed"
      fontSize={1}
      padding={2}
      lang={toBengali ? 'bn' : 'en'}
      text={toBengali ? 'বাংলা' : 'English'}
      title={toBengali ? 'বাংলায় দেখুন' : 'Show the Studio in English'}
      data-testid="language-switch"
      onClick={() => void changeLocale(target.id)}
    />
  )
}

/** The Studio navbar with the language switch among its top-bar actions. */
export function NavbarWithLanguageSwitch(props: NavbarProps) {
  const actions = [
    ...(props.__internal_actions ?? []),
    {name: 'language-switch', location: 'topbar' as const, render: () => <LanguageSwitch />},
  ]
  return props.renderDefault({...props, __internal_actions: actions})
}

/**
 * The Studio's page and styles without calls to Sanity's servers: `sanity build` writes @font-face
 * rules for Inter from studio-static.sanity.io into index.html, a bundled stylesheet declares Inter
 * from design-system-static.sanity.io (the theme uses the bundled Noto Sans Bengali instead, and
 * system fonts after it), and index.html loads `bridge.js` from core.sanity-cdn.com (it connects a
 * Studio to Sanity's hosted dashboard, which an offline newsroom does not have).
 */
import type {Plugin} from 'vite'

const HOSTED_FONT_FACE = /@font-face\s*\{[^}]*https:\/\/[a-z0-9.-]*\.sanity\.io\/[^}]*\}\s*/g
const BRIDGE_SCRIPT =
  /<script[^>]*src="https:\/\/core\.sanity-cdn\.(?:com|work)\/bridge\.js"[^>]*><\/script>\s*/g

export function withoutHostedAssets(html: string): string {
  return withoutHostedFonts(html).replace(BRIDGE_SCRIPT, '')
}

const EMPTY_ROOT = '<div id="sanity"></div>'
/**
 * 'লোড হচ্ছে…' until the Studio draws its layout: on a busy machine the script takes seconds to
 * run, and then the Studio renders nothing for a second or more while it resolves its
 * configuration, and a blank page reads as a broken one. The line sits outside the Studio's root
 * (React would replace it at its first, empty, render), fixed behind it (z-index -1, so whatever
 * the Studio draws covers it), and the layout removes it when it mounts (studio/components/ToolLoading.tsx).
 */
export const PAGE_LOADING_ID = 'page-loading'
export const PAGE_LOADING =
  `<p id="${PAGE_LOADING_ID}" data-testid="page-loading" style="position:fixed;inset:0;z-index:-1;` +
  'pointer-events:none;margin:0;padding:3.5rem 1.5rem;text-align:center;color:#6e7683;' +
  "font-family:'Noto Sans Bengali',sans-serif\">লোড হচ্ছে…</p>" +
  EMPTY_ROOT

export function withLoadingIndicator(html: string): string {
  return html.replace(EMPTY_ROOT, PAGE_LOADING)
}

/** The Studio's page for the local lake: nothing from Sanity's servers, and a loading line. */
export function offlinePage(html: string): string {
  return withLoadingIndicator(withoutHostedAssets(html))
}

/** CSS (or a page) without @font-face rules that load fonts from Sanity's servers. */
export function withoutHostedFonts(css: string): string {
  return css.replace(HOSTED_FONT_FACE, '')
}

/**
 * A Vite plugin (sanity.cli.ts) applying offlinePage to the Studio's index.html: `sanity
 * build` emits it as an asset at the end of the bundle, `sanity dev` serves it through Vite.
 */
export function offlineIndexHtml(): Plugin {
  return {
    name: 'bangla-newsroom:offline-index-html',
    enforce: 'post',
    transformIndexHtml: {order: 'post', handler: offlinePage},
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        for (const file of Object.values(bundle)) {
          if (file.type !== 'asset') continue
          const text =
            typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source)
          if (file.fileName === 'index.html') file.source = offlinePage(text)
          else if (file.fileName.endsWith('.css')) file.source = withoutHostedFonts(text)
        }
      },
    },
  }
}

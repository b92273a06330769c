/**
 * The Studio's index.html without calls to Sanity's servers: `sanity build` writes @font-face rules
 * for Inter from studio-static.sanity.io (the theme uses the bundled Noto Sans Bengali instead, and
 * system fonts after it) and a `bridge.js` script from core.sanity-cdn.com (it connects a Studio to
 * Sanity's hosted dashboard, which an offline newsroom does not have).
 */
import type {Plugin} from 'vite'

const INTER_FONT_FACE = /@font-face\s*\{[^}]*studio-static\.sanity\.io[^}]*\}\s*/g
const BRIDGE_SCRIPT =
  /<script[^>]*src="https:\/\/core\.sanity-cdn\.(?:com|work)\/bridge\.js"[^>]*><\/script>\s*/g

export function withoutHostedAssets(html: string): string {
  return html.replace(INTER_FONT_FACE, '').replace(BRIDGE_SCRIPT, '')
}

/**
 * A Vite plugin (sanity.cli.ts) applying withoutHostedAssets to the Studio's index.html: `sanity
 * build` emits it as an asset at the end of the bundle, `sanity dev` serves it through Vite.
 */
export function offlineIndexHtml(): Plugin {
  return {
    name: 'bangla-newsroom:offline-index-html',
    enforce: 'post',
    transformIndexHtml: {order: 'post', handler: withoutHostedAssets},
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const index = bundle['index.html']
        if (index?.type === 'asset' && typeof index.source === 'string') {
          index.source = withoutHostedAssets(index.source)
        }
      },
    },
  }
}

// What keeps the Studio off Sanity's servers on a local lake: the index.html without Inter's CDN
// fonts and bridge.js, and the browser-side answers to the version check and the feedback probe.
import {describe, expect, it} from 'vitest'
import {hostedCallAnswer} from '../../studio/offline/hostedCalls.ts'
import {
  offlinePage,
  withoutHostedAssets,
  withoutHostedFonts,
} from '../../studio/offline/indexHtml.ts'

const INDEX = `<!doctype html><html><head><style>
  @font-face {
    font-family: Inter;
    font-style: normal;
    font-weight: 400;
    src: url("https://studio-static.sanity.io/Inter-Regular.woff2") format("woff2");
  }
  html { background: #fff; }
</style>
<script src="https://core.sanity-cdn.com/bridge.js" async type="module" data-sanity-core></script>
</head><body><div id="sanity"></div><script type="module" src="/static/app.js"></script></body></html>`

describe('the offline index.html', () => {
  it('drops the Inter @font-face rules and the bridge script, keeping everything else', () => {
    const html = withoutHostedAssets(INDEX)
    expect(html).not.toMatch(/sanity\.io|sanity-cdn/)
    expect(html).toContain('html { background: #fff; }')
    expect(html).toContain('<script type="module" src="/static/app.js"></script>')
  })

  it('drops hosted @font-face rules from minified stylesheets too', () => {
    const css =
      '*{margin:0}@font-face{font-family:Inter;font-weight:400 700;src:url(https://design-system-static.sanity.io/InterVariable-latin.woff2)format("woff2")}@font-face{font-family:Noto;src:url(/static/noto.woff2)}'
    expect(withoutHostedFonts(css)).toBe(
      '*{margin:0}@font-face{font-family:Noto;src:url(/static/noto.woff2)}',
    )
  })

  it('shows "লোড হচ্ছে…" in the root element until the Studio renders over it', () => {
    const html = offlinePage(INDEX)
    expect(html).not.toMatch(/sanity\.io|sanity-cdn/)
    expect(html).toMatch(
      /<p id="page-loading" data-testid="page-loading"[^>]*>লোড হচ্ছে…<\/p><div id="sanity"><\/div>/,
    )
    expect(html).toContain('<script type="module" src="/static/app.js"></script>')
  })

  it('leaves a page without them unchanged', () => {
    const plain = '<html><head></head><body></body></html>'
    expect(withoutHostedAssets(plain)).toBe(plain)
  })
})

describe('hosted calls answered in the browser', () => {
  it('answers the Studio version check with "nothing newer"', async () => {
    const answer = hostedCallAnswer(
      'https://sanity-cdn.com/v1/modules/sanity/latest/^6.9.2/t1764600000',
    )
    expect(answer?.status).toBe(200)
    expect(await answer!.json()).toEqual({})
  })

  it('answers the feedback probe as unavailable', () => {
    const answer = hostedCallAnswer('https://api.sanity.io/vX/intake/feedback', 'post')
    expect(answer?.ok).toBe(false)
  })

  it('lets every other request through (the e2e journey fails on those)', () => {
    expect(hostedCallAnswer('https://api.sanity.io/vX/intake/feedback', 'GET')).toBeNull()
    expect(
      hostedCallAnswer('https://local.localhost:3334/v2025-02-19/data/query/production'),
    ).toBeNull()
    expect(hostedCallAnswer('https://evil.example/v1/modules/x')).toBeNull()
    expect(hostedCallAnswer('not a url')).toBeNull()
  })
})

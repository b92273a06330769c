// The Studio config as the Studio reads it, and the self-hosted Bengali font.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'

describe('sanity.config (local lake, no SANITY_STUDIO_PROJECT_ID)', async () => {
  delete process.env.SANITY_STUDIO_PROJECT_ID
  const {default: config} = await import('../../sanity.config.ts')
  const workspace = config as unknown as Record<string, unknown> & {
    auth: Record<string, unknown>
    document: {comments: {enabled: boolean}}
    theme: {fonts: {text: {family: string}; heading: {family: string}}}
  }

  it('targets the local lake with token login', () => {
    expect(workspace.projectId).toBe('local')
    expect(workspace.dataset).toBe('production')
    expect(workspace.apiHost).toBe('https://localhost:3334')
    // One provider: straight to the lake's (Bengali) sign-in page, no English provider chooser.
    expect(workspace.auth).toEqual({
      loginMethod: 'token',
      apiHost: 'https://localhost:3334',
      redirectOnSingle: true,
    })
  })

  it('switches off what the local lake does not offer', () => {
    expect(workspace).toMatchObject({
      announcements: {enabled: false},
      tasks: {enabled: false},
      scheduledPublishing: {enabled: false},
      scheduledDrafts: {enabled: false},
      releases: {enabled: false},
      beta: {eventsAPI: {documents: true, releases: false}},
    })
    // Search uses the Studio's default strategy (groq2024): the lake answers text::query().
    expect((workspace.search as {strategy?: string} | undefined)?.strategy).toBeUndefined()
    expect(workspace.document.comments.enabled).toBe(false)
  })

  it('sets Noto Sans Bengali first in the Studio fonts', () => {
    expect(workspace.theme.fonts.text.family).toMatch(/^'Noto Sans Bengali Variable'/)
    expect(workspace.theme.fonts.heading.family).toMatch(/^'Noto Sans Bengali Variable'/)
    // Sanity's CSS declares Inter with a CDN URL; leaving it out keeps the Studio off that CDN.
    expect(workspace.theme.fonts.text.family).not.toMatch(/Inter/)
  })
})

describe('the Bengali font is self-hosted', () => {
  it('is bundled from the package’s own woff2 files, with no remote URL', () => {
    const require = createRequire(import.meta.url)
    const css = readFileSync(
      join(
        dirname(require.resolve('@fontsource-variable/noto-sans-bengali/package.json')),
        'index.css',
      ),
      'utf8',
    )
    expect(css).toContain("font-family: 'Noto Sans Bengali Variable'")
    expect(css).toMatch(/U\+0980-09FE/)
    expect(css).toMatch(/url\(\.\/files\/[^)]+\.woff2\)/)
    expect(css).not.toMatch(/https?:/)
  })
})

/**
 * The Live Content API's remembered questions are keyed by their whole text and parameters (the
 * query route's key), which anyone may send: up to 256 k characters of query and a mebibyte of
 * parameters. They are bounded by those characters, not only by their number; one forgotten is
 * announced, so no cache keeps an answer nobody would tell it about.
 */
import {describe, expect, test} from 'vitest'
import {
  classTagFor,
  DEFAULT_SYNC_TAG_CAPACITY,
  SyncTagRegistry,
} from '../../../lake/live/syncTags.ts'

describe("a dataset's remembered questions", () => {
  test('are bounded by their characters; the forgotten are announced, the latest kept', () => {
    const announced: string[] = []
    const registry = new SyncTagRegistry({announce: (tags) => announced.push(...tags)})
    // What one anonymous caller may send in a second: 100 questions of 100 k characters each (held
    // 10 M characters, twice over with their saved questions, and written to disk at each save).
    const keyOf = (i: number) => JSON.stringify([`*[_id == $p][${i}]`, {p: 'ক'.repeat(100_000)}])
    const tags: string[] = []
    for (let i = 0; i < 100; i++) {
      const key = keyOf(i)
      tags.push(
        registry.remember(
          {
            key,
            tagClass: 'published',
            rerun: async () => ({json: 'x', cpuMs: 0}),
            question: {key},
            anonymous: true,
          },
          'x',
        ),
      )
    }
    const held = registry.saved()
    const chars = held.reduce((sum, question) => sum + question.key.length, 0)
    expect(chars).toBeLessThanOrEqual(2 * 1024 * 1024)
    expect(held.length).toBeLessThan(DEFAULT_SYNC_TAG_CAPACITY)
    // The least recently asked went, each announced; the most recent is kept.
    const kept = new Set(held.map((question) => question.key))
    expect(kept.has(keyOf(99))).toBe(true)
    for (let i = 0; i < 100; i++) {
      expect(announced.includes(tags[i])).toBe(!kept.has(keyOf(i)))
    }
  })

  test('a question over a tenth of the bound is not kept and gets its class’s tag, told at the next recheck, also after a restart', async () => {
    const announced: string[] = []
    const options = {chars: 1000, announce: (tags: string[]) => announced.push(...tags)}
    const registry = new SyncTagRegistry(options)
    const ask = (key: string, tagClass: 'published' | 'drafts' = 'published') =>
      registry.remember(
        {
          key,
          tagClass,
          rerun: async () => ({json: 'x', cpuMs: 0}),
          question: {key},
          anonymous: true,
        },
        'x',
      )
    const small = Array.from({length: 10}, (_, i) => `*[_type == "article"][${i}]`.padEnd(90, ' '))
    for (const key of small) expect(ask(key)).toMatch(/^s1:/)
    await registry.recheck('published')
    expect(announced).toEqual([])
    // Over a tenth of the bound, and over the whole bound: before, one was answered with no tag
    // (a cache kept it for ever), or its tag announced as forgotten before the answer carried it.
    const tag = classTagFor('published')
    for (const size of [101, 1001]) expect(ask('x'.repeat(size))).toBe(tag)
    expect(announced).toEqual([])
    expect(
      registry
        .saved()
        .filter((q) => q.question !== null)
        .map((q) => q.key),
    ).toEqual(small)
    // Its answer may change with any commit of its class: told at the next recheck, as coarse
    // ones are; then caches hold nothing under it until it is given again.
    await registry.recheck('published')
    expect(announced).toEqual([tag])
    await registry.recheck('drafts')
    await registry.recheck('published')
    expect(announced).toEqual([tag])
    expect(registry.saved().filter((q) => q.question === null)).toEqual([])
    expect(ask('y'.repeat(200))).toBe(tag)
    // Caches keep answers across the lake's restarts: the saved questions bring the tag back.
    const restarted = new SyncTagRegistry(options)
    for (const saved of registry.saved()) {
      if (!restarted.restoreClassTag(saved))
        restarted.restore(saved, async () => ({json: 'x', cpuMs: 0}))
    }
    announced.length = 0
    await restarted.recheck('published')
    expect(announced).toEqual([tag])
    await restarted.recheck('drafts')
    expect(announced).toEqual([tag])
  })
})

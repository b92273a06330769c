/**
 * The patch budget weighs what a patch's operations really do. A diffMatchPatch copies and
 * searches the string it patches once per hunk: counted as a walk of its whole document per hunk,
 * a Studio edit of a 2 MB draft with more than ~32 hunks was a 400, and the Studio dropped the
 * editor's typing. Paths that match many places (a range, a filter, `..`) copy their array once
 * per match, which no count before the patch applies saw: they ran to the write deadline.
 */
import {
  cleanupEfficiency,
  cleanupSemantic,
  makeDiff,
  makePatches,
  stringifyPatches,
} from '@sanity/diff-match-patch'
import {beforeAll, describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({inProcess: true})
const API = '/v2025-02-19'

async function post(route: 'mutate' | 'actions', body: unknown) {
  const res = await lake().fetch(`${lake().url}${API}/data/${route}/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: JSON.stringify(body),
  })
  return {status: res.status, body: await res.json()}
}

const sentence = 'সংবাদপত্রের পাঠকেরা প্রতিদিন সকালে খবর পড়েন এবং মতামত জানান। '
/** A long article's draft: 1,500 paragraphs of Bengali Portable Text, about 2 MB as stored. */
const BLOCKS = 1_500
const paragraph = (i: number) => `${i}. ${sentence.repeat(7)}`
const summary = Array.from({length: 400}, (_, i) => `${i}: ${sentence}`).join('')
const draft = {
  _id: 'drafts.long',
  _type: 'article',
  title: 'দীর্ঘ প্রতিবেদন',
  summary,
  body: Array.from({length: BLOCKS}, (_, i) => ({
    _key: `b${i}`,
    _type: 'block',
    style: 'normal',
    markDefs: [],
    children: [{_key: `s${i}`, _type: 'span', marks: [], text: paragraph(i)}],
  })),
}

/**
 * makePatches(a, b)'s diff without its 1 s deadline: past it the library returns a coarser diff
 * (31 hunks instead of 60 on a loaded machine), which made the hunk count depend on the load.
 */
function studioDiff(before: string, after: string) {
  const diffs = makeDiff(before, after, {checkLines: true, timeout: 600})
  return diffs.length > 2 ? cleanupEfficiency(cleanupSemantic(diffs)) : diffs
}

/**
 * What the Studio sends for an edit: its buffer turns the form's `set` of a string into a
 * diffMatchPatch from the text it had to the text it has (@sanity/mutator's SquashingBuffer,
 * makePatches), one hunk per changed place; the Portable Text editor sends one per keystroke.
 */
function studioEdit(id: string) {
  // A copy editor's pass over the summary: a word corrected in 60 places, one patch.
  let edited = summary
  for (let i = 0; i < 60; i++) edited = edited.replace(`${i * 6}: সংবাদপত্রের`, `${i * 6}: পত্রিকার`)
  const summaryPatch = stringifyPatches(makePatches(summary, studioDiff(summary, edited)))
  // Ten keystrokes in one paragraph of the body.
  const block = 700
  const keystrokes = Array.from({length: 10}, (_, i) => {
    const before = paragraph(block) + 'ক'.repeat(i)
    return stringifyPatches(makePatches(before, `${before}ক`))
  })
  const text = `body[_key=="b${block}"].children[_key=="s${block}"].text`
  return {
    edited,
    hunks: summaryPatch.split('@@ -').length - 1,
    mutations: [
      {patch: {id, diffMatchPatch: {summary: summaryPatch}}},
      ...keystrokes.map((keystroke) => ({patch: {id, diffMatchPatch: {[text]: keystroke}}})),
    ],
  }
}

beforeAll(async () => {
  const created = await post('mutate', {mutations: [{createOrReplace: draft}]})
  expect(created.status).toBe(200)
})

async function stored(id: string) {
  const res = await lake().fetch(`${lake().url}${API}/data/doc/test/${id}`, {
    headers: {authorization: `Bearer ${lake().token}`},
  })
  return (await res.json()).documents[0]
}

describe('a diffMatchPatch counts the string it patches, not its document per hunk', () => {
  it("applies the Studio's edit of a 2 MB draft: 60 hunks of its summary and 10 keystrokes", async () => {
    expect(Buffer.byteLength(JSON.stringify(draft))).toBeGreaterThan(2_000_000)
    const {edited, hunks, mutations} = studioEdit('drafts.long')
    expect(hunks).toBe(60)
    // As the Studio sends it, through @sanity/client.
    const result = await lake()
      .client()
      .mutate(mutations as never, {visibility: 'sync', returnDocuments: false})
    expect(result.results).toHaveLength(11)
    const doc = await stored('drafts.long')
    expect(doc.summary).toBe(edited)
    expect(doc.body[700].children[0].text).toBe(`${paragraph(700)}${'ক'.repeat(10)}`)
    expect(doc.body[699].children[0].text).toBe(paragraph(699))
  }, 60_000)

  it('applies the same edit sent as edit actions', async () => {
    const created = await post('mutate', {
      mutations: [{createOrReplace: {...draft, _id: 'drafts.acted'}}],
    })
    expect(created.status).toBe(200)
    const {edited, mutations} = studioEdit('drafts.acted')
    const res = await post('actions', {
      actions: mutations.map(({patch: {id, ...patch}}) => ({
        actionType: 'sanity.action.document.edit',
        draftId: id,
        publishedId: 'acted',
        patch,
      })),
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200)
    expect((await stored('drafts.acted')).summary).toBe(edited)
  }, 60_000)

  it('refuses at once a diffMatchPatch whose hunks would copy its long string past the budget', async () => {
    const {_rev: rev} = await stored('drafts.long')
    // 3,000 hunks over the 45,000-character summary: 135 million characters copied.
    const hunks = Array.from(
      {length: 3_000},
      (_, i) => `@@ -${1 + i * 10},4 +${1 + i * 10},5 @@\n abcd\n+z\n`,
    ).join('')
    const res = await post('mutate', {
      mutations: [{patch: {id: 'drafts.long', diffMatchPatch: {summary: hunks}}}],
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400)
    expect(res.body.error.items[0].error).toMatchObject({
      type: 'transactionTooLargeError',
      id: 'drafts.long',
    })
    // What, where and how to fix it.
    expect(res.body.error.description).toMatch(
      /diffMatchPatch of "summary" has 3000 hunks over a string of \d+ characters.*send a set of the new text/,
    )
    expect((await stored('drafts.long'))._rev).toBe(rev)
  })
})

describe('a keyed path counts what it touches, not its document', () => {
  /** A keystroke in paragraph `block` as the Portable Text editor sends it, `typed` letters in. */
  const keystroke = (block: number, typed: number) => {
    const before = paragraph(block) + 'ক'.repeat(typed)
    return {
      [`body[_key=="b${block}"].children[_key=="s${block}"].text`]: stringifyPatches(
        makePatches(before, `${before}ক`),
      ),
    }
  }
  /** 40 keystrokes in four paragraphs: one patch each, as the Studio sends a typing burst. */
  const typing = Array.from({length: 40}, (_, i) => keystroke(100 + 300 * (i % 4), i >> 2))

  it('40 keystrokes of a 2 MB Bengali draft in one transaction apply (were a 400: each counted the draft)', async () => {
    const created = await post('mutate', {
      mutations: [{createOrReplace: {...draft, _id: 'drafts.typing'}}],
    })
    expect(created.status).toBe(200)
    const result = await lake()
      .client()
      .mutate(
        typing.map((diffMatchPatch) => ({patch: {id: 'drafts.typing', diffMatchPatch}})),
        {
          visibility: 'sync',
          returnDocuments: false,
        },
      )
    expect(result.results).toHaveLength(40)
    const doc = await stored('drafts.typing')
    for (const block of [100, 400, 700, 1000]) {
      expect(doc.body[block].children[0].text).toBe(`${paragraph(block)}${'ক'.repeat(10)}`)
    }
    expect(doc.body[101].children[0].text).toBe(paragraph(101))
  }, 60_000)

  it("and as the Studio's edit actions of a published document", async () => {
    // The draft starts as a copy of the published document.
    const published = await post('mutate', {
      mutations: [{createOrReplace: {...draft, _id: 'typed'}}],
    })
    expect(published.status).toBe(200)
    const acted = await post('actions', {
      actions: typing.map((diffMatchPatch) => ({
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.typed',
        publishedId: 'typed',
        patch: {diffMatchPatch},
      })),
    })
    expect(acted.status, JSON.stringify(acted.body).slice(0, 500)).toBe(200)
    expect((await stored('drafts.typed')).body[700].children[0].text).toBe(
      `${paragraph(700)}${'ক'.repeat(10)}`,
    )
  }, 60_000)
})

describe('a document written whole again in the transaction counts again', () => {
  it('edits and publishes of a 2 MB document, again and again in one transaction, are a 400 within the budget', async () => {
    // Each edit of a published-only document starts its draft as a copy of it, and each publish
    // copies the draft back: every pair writes the 2 MB document whole twice (copied, checked,
    // serialised). Counted once a transaction as one patched document, 100 pairs applied (13 s
    // in process), and the 5,000 of a transaction's 10,000 writes would run to the deadline.
    const published = await post('mutate', {
      mutations: [{createOrReplace: {...draft, _id: 'looped', title: 'before'}}],
    })
    expect(published.status).toBe(200)
    const pairs = Array.from({length: 100}, (_, i) => [
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.looped',
        publishedId: 'looped',
        patch: {set: {title: `edit ${i}`}},
      },
      {
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.looped',
        publishedId: 'looped',
      },
    ])
    const acted = await post('actions', {actions: pairs.flat()})
    expect(acted.status, JSON.stringify(acted.body).slice(0, 300)).toBe(400)
    expect(acted.body.error.type).toBe('actionError')
    expect(JSON.stringify(acted.body)).toMatch(/transactionTooLargeError/)
    expect((await stored('looped')).title).toBe('before')
    // A few pairs, what an editor may send, apply.
    const few = await post('actions', {actions: pairs.slice(0, 3).flat()})
    expect(few.status, JSON.stringify(few.body).slice(0, 300)).toBe(200)
    expect((await stored('looped')).title).toBe('edit 2')
  }, 60_000)
})

describe('a diffMatchPatch deleting long texts that are not where it says', () => {
  /** Pseudo-random letters: no 32 of them repeat elsewhere. */
  const letters = (length: number, seed: number) => {
    let state = seed
    return Array.from({length}, () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      return String.fromCharCode(97 + (state % 26))
    }).join('')
  }
  const LENGTH = 5_000
  const parts = Array.from({length: 20}, (_, i) => letters(LENGTH, i + 1))

  beforeAll(async () => {
    const created = await post('mutate', {
      mutations: [{createOrReplace: {_id: 'drafts.text', _type: 'article', text: parts.join('')}}],
    })
    expect(created.status).toBe(200)
  })

  it('is a 400 at once: 20 hunks whose ends match and middles differ (held a write thread 34-60 s)', async () => {
    const {_rev: rev} = await stored('drafts.text')
    // Each hunk's first and last 32 characters are found in place, so the library diffs the
    // 5,000 between against what is there, up to its 1 s deadline a hunk: 20 held a write
    // thread 34 s (a 200, load ~17) or to the 60 s deadline (a 504), for 100 kB of request.
    const hunks = parts
      .map((part, i) => {
        const wrong = part.slice(0, 32) + letters(LENGTH - 64, 1_000 + i) + part.slice(-32)
        return `@@ -${i * LENGTH + 1},${LENGTH} +${i * LENGTH + 1},0 @@\n-${wrong}\n`
      })
      .join('')
    const started = performance.now()
    const res = await post('mutate', {
      mutations: [{patch: {id: 'drafts.text', diffMatchPatch: {text: hunks}}}],
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400)
    expect(res.body.error.items[0].error).toMatchObject({type: 'transactionTooLargeError'})
    expect(res.body.error.description).toMatch(
      /diffMatchPatch of "text" deletes \d+ long texts \(of 5000 characters at most\) that are not where its hunks say.*make the patch from the text as it is now/,
    )
    // A hang guard, far below the deadline it ran to.
    expect(performance.now() - started).toBeLessThan(30_000)
    expect((await stored('drafts.text'))._rev).toBe(rev)
  }, 120_000)

  it('deletes the same long texts when they are where it says, as the Studio makes it', async () => {
    const kept = parts.filter((_, i) => i % 2 === 0).join('')
    const patch = stringifyPatches(makePatches(parts.join(''), kept))
    const res = await post('mutate', {
      mutations: [{patch: {id: 'drafts.text', diffMatchPatch: {text: patch}}}],
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200)
    expect((await stored('drafts.text')).text).toBe(kept)
  }, 120_000)
})

describe('a path that matches many places counts the copies of its array', () => {
  /** 100,000 items, about 3 MB: each match of such a path copies the whole array. */
  const ITEMS = 100_000
  const wide = (id: string, length = ITEMS) => ({
    _id: id,
    _type: 'article',
    items: Array.from({length}, (_, i) => ({_key: `k${i}`, x: i % 2})),
  })

  beforeAll(async () => {
    const created = await post('mutate', {
      mutations: [
        {createOrReplace: wide('drafts.wide')},
        {createOrReplace: wide('drafts.few', 2_000)},
      ],
    })
    expect(created.status).toBe(200)
  })

  // Before, each ran on a write thread until the 60 s write deadline, a 504 (the range followed by
  // more path copies the array 100,000 times for each of its items); repeated, each held a thread.
  it.each([
    [
      'a recursive set',
      {set: {'..x': 2}},
      /"\.\.x" has a recursive path that visits \d+ values and copies their arrays and objects \d+ times/,
    ],
    ['a set of a range', {set: {[`items[0:${ITEMS}]`]: {x: 3}}}, /a range of up to 100000 items,/],
    [
      // Written out as its 100,000 indexes (each item once: through a range the mutator applied
      // an inc once per item of the range), named shortened.
      'an unset through a range',
      {unset: [`items[0:${ITEMS}].x`]},
      /"items\[0,1,2,3,.{100,200}99999\]\.x" has a list of 100000 indexes/,
    ],
    ['a set through a filter', {set: {'items[x==1].y': 1}}, /"items\[x==1\]\.y" has a filter/],
    [
      // 1,500 of them (about 7,000 characters): a longer list is a path past the 8,192 characters
      // of LIMITS.patchPath, refused before its work is counted (mutationShapes.test.ts).
      'a set through a list of indexes (a range written out)',
      {set: {[`items[${Array.from({length: 1_500}, (_, i) => 2 * i).join(',')}].y`]: 1}},
      /has a list of 1500 indexes/,
    ],
  ])(
    '%s of a 100,000-item array is a 400 at once, nothing written',
    async (_, patch, message) => {
      const {_rev: rev} = await stored('drafts.wide')
      const started = performance.now()
      const res = await post('mutate', {
        mutations: Array.from({length: 3}, () => ({patch: {id: 'drafts.wide', ...patch}})),
      })
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400)
      expect(res.body.error.items[0]).toMatchObject({
        index: 0,
        error: {type: 'transactionTooLargeError', id: 'drafts.wide'},
      })
      expect(res.body.error.description).toMatch(message)
      expect(res.body.error.description).toMatch(/name the items to change instead/)
      // Refused before the mutator ran: a hang guard, far below the deadline it ran to.
      expect(performance.now() - started).toBeLessThan(30_000)
      expect((await stored('drafts.wide'))._rev).toBe(rev)
    },
    120_000,
  )

  it('30 patches of keyed paths into the 100,000-item array are a 400 at once: what, where, how', async () => {
    // Each tests all 100,000 items for their _key (60 ms a path, 1.8 s in all): on main each
    // counted the 3 MB draft, 90 MB in all, and they applied.
    const {_rev: rev} = await stored('drafts.wide')
    const res = await post('mutate', {
      mutations: Array.from({length: 30}, (_, i) => ({
        patch: {id: 'drafts.wide', set: {[`items[_key=="k${i * 3_000}"].x`]: 5}},
      })),
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400)
    expect(res.body.error.items[0].error).toMatchObject({
      type: 'transactionTooLargeError',
      id: 'drafts.wide',
    })
    expect(res.body.error.description).toMatch(
      /"items\[_key=="k\d+"\]\.x" tests 100000 array items for their _key.*split it into several/,
    )
    expect((await stored('drafts.wide'))._rev).toBe(rev)
  })

  it('100,000 indexed sets of the 100,000-item array are a 400 before work: what, where, how', async () => {
    // Each copies the array to change its item (0.7-2.8 ms a path in process): on main only the
    // objects on the way counted, and they ran on a write thread to the write deadline, a 504.
    const {_rev: rev} = await stored('drafts.wide')
    const set = Object.fromEntries(Array.from({length: ITEMS}, (_, i) => [`items[${i}].x`, 7]))
    const started = performance.now()
    const res = await post('mutate', {mutations: [{patch: {id: 'drafts.wide', set}}]})
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400)
    expect(res.body.error.items[0]).toMatchObject({
      index: 0,
      error: {type: 'transactionTooLargeError', id: 'drafts.wide'},
    })
    expect(res.body.error.description).toMatch(
      /"items\[\d+\]\.x" copies arrays of 100000 items.*split it into several/,
    )
    // A hang guard, far below the deadline it ran to.
    expect(performance.now() - started).toBeLessThan(30_000)
    expect((await stored('drafts.wide'))._rev).toBe(rev)
  }, 120_000)

  it('and from its end, items[-1] of each of 1,000 patches, likewise (applied on main)', async () => {
    const {_rev: rev} = await stored('drafts.wide')
    const res = await post('mutate', {
      mutations: Array.from({length: 1_000}, (_, i) => ({
        patch: {id: 'drafts.wide', set: {'items[-1]': {_key: 'k99999', x: i}}},
      })),
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400)
    expect(res.body.error.items[0].error).toMatchObject({type: 'transactionTooLargeError'})
    expect((await stored('drafts.wide'))._rev).toBe(rev)
  }, 120_000)

  it('100 indexed sets of it apply, each in its item', async () => {
    const set = Object.fromEntries(Array.from({length: 100}, (_, i) => [`items[${i * 999}].x`, 9]))
    const res = await post('mutate', {mutations: [{patch: {id: 'drafts.wide', set}}]})
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200)
    const doc = await stored('drafts.wide')
    expect(doc.items[999 * 99]).toEqual({_key: `k${999 * 99}`, x: 9})
    expect(doc.items[1]).toEqual({_key: 'k1', x: 1})
  }, 120_000)

  it('a recursive set over small objects applies where another array is long (its real walk)', async () => {
    // `..x` matches 3,000 small objects; a 50,000-item array holds none. Counted as its matches
    // times the longest array (150 million) it was a 400 on main; its walk visits 159,000 values
    // and copies the 3,000-item array 3,000 times (about 0.2 s).
    const mixed = {
      _id: 'drafts.mixed',
      _type: 'article',
      items: Array.from({length: 50_000}, (_, i) => ({_key: `k${i}`, y: 1})),
      tags: Array.from({length: 3_000}, (_, i) => ({_key: `t${i}`, x: 1})),
    }
    expect((await post('mutate', {mutations: [{createOrReplace: mixed}]})).status).toBe(200)
    const res = await post('mutate', {mutations: [{patch: {id: 'drafts.mixed', set: {'..x': 2}}}]})
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200)
    const doc = await stored('drafts.mixed')
    expect(doc.tags.every((tag: {x: number}) => tag.x === 2)).toBe(true)
    expect(doc.items[7]).toEqual({_key: 'k7', y: 1})
  }, 60_000)

  it('the same paths over a 2,000-item array apply (a range followed by more path, over 100)', async () => {
    const res = await post('mutate', {
      mutations: [
        {patch: {id: 'drafts.few', set: {'..x': 2}}},
        // 100 × 100 copies of the array (80 ms; 2,000 × 2,000 took 10 s).
        {patch: {id: 'drafts.few', set: {'items[1900:2000].y': 1}}},
        {patch: {id: 'drafts.few', unset: ['items[x==2].x']}},
      ],
    })
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200)
    const doc = await stored('drafts.few')
    expect(doc.items[1999]).toEqual({_key: 'k1999', y: 1})
  }, 120_000)
})

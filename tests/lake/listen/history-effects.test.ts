/**
 * The mendoza effects the listener sends are the ones the history log keeps: the Studio's legacy
 * timeline reads them from `history/transactions` NDJSON and walks back from the current document
 * with `revert`, and its Review changes view replays `apply` with mendoza's incremental patcher.
 */
import {applyPatch, incremental} from 'mendoza'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {collect, withoutRev} from './listeners.ts'

type Effects = {apply: unknown[]; revert: unknown[]}
type Line = {id: string; documentIDs: string[]; effects: Record<string, Effects>}

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
})

afterAll(async () => {
  await lake?.close()
})

it('stores the listener effects in the history log, and they walk the timeline both ways', async () => {
  const client = lake.client()
  const draftId = 'drafts.h1'
  const listener = collect<{
    type: string
    transactionId?: string
    documentId?: string
    effects?: Effects
  }>(
    client.listen(
      '*[_id in $ids]',
      {ids: ['h1', draftId]},
      {
        events: ['welcome', 'mutation'],
        effectFormat: 'mendoza',
      },
    ) as never,
  )
  await listener.until((e) => e.length >= 1)

  const paragraphs = Array.from({length: 20}, (_, i) => ({
    _key: `k${i}`,
    _type: 'block',
    children: [{_key: `s${i}`, _type: 'span', text: `অনুচ্ছেদ ${i}। `.repeat(8)}],
  }))
  const states: {rev: string; draft: unknown; published: unknown}[] = []
  const snapshot = async (rev: string) => {
    const [draft, published] = await Promise.all([
      client.getDocument(draftId),
      client.getDocument('h1'),
    ])
    states.push({rev, draft: draft ?? null, published: published ?? null})
  }
  let tx = await client
    .transaction()
    .create({_id: draftId, _type: 'article', title: 'খসড়া', body: paragraphs})
    .commit()
  await snapshot(tx.transactionId)
  tx = await client
    .transaction()
    .patch(draftId, (p) => p.set({title: 'খসড়া ২'}))
    .commit()
  await snapshot(tx.transactionId)
  tx = await client
    .transaction()
    .patch(draftId, (p) =>
      p.insert('after', 'body[_key=="k4"]', [{_key: 'n1', _type: 'block', children: []}]),
    )
    .commit()
  await snapshot(tx.transactionId)
  // Publish: the published document appears and the draft goes, in one transaction.
  const draft = await client.getDocument(draftId)
  const {_rev, _id, ...content} = draft!
  void _rev
  void _id
  tx = await client
    .transaction()
    .createOrReplace({...content, _id: 'h1'})
    .delete(draftId)
    .commit()
  await snapshot(tx.transactionId)
  tx = await client
    .transaction()
    .patch('h1', (p) => p.unset(['body[_key=="k9"]']))
    .commit()
  await snapshot(tx.transactionId)

  const search = new URLSearchParams({
    effectFormat: 'mendoza',
    excludeContent: 'true',
    excludeMutations: 'true',
    includeIdentifiedDocumentsOnly: 'true',
    reverse: 'true',
    limit: '50',
    tag: 'structure.history',
  })
  const res = await fetch(
    `${lake.url}/v2025-02-19/data/history/test/transactions/h1,${draftId}?${search}`,
    {headers: {authorization: `Bearer ${lake.token}`}},
  )
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/ndjson/)
  const lines = (await res.text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line)
  expect(lines.map((line) => line.id)).toEqual(states.map((s) => s.rev).reverse())

  // The listener delivered exactly the logged effects, per document.
  const events = await listener.until((e) => e.filter((x) => x.type === 'mutation').length >= 6)
  listener.stop()
  for (const line of lines) {
    for (const [id, effects] of Object.entries(line.effects)) {
      const event = events.find((e) => e.transactionId === line.id && e.documentId === id)
      expect(event?.effects, `${line.id}#${id}`).toEqual(effects)
    }
  }

  // Backwards, as the legacy timeline does: revert from the current documents without `_rev`.
  let draftState: unknown = withoutRev(states.at(-1)!.draft as Record<string, unknown> | null)
  let publishedState: unknown = withoutRev(
    states.at(-1)!.published as Record<string, unknown> | null,
  )
  for (const [i, line] of lines.entries()) {
    const state = states[states.length - 1 - i]
    expect(draftState).toEqual(withoutRev(state.draft as Record<string, unknown> | null))
    expect(publishedState).toEqual(withoutRev(state.published as Record<string, unknown> | null))
    if (line.effects[draftId]) draftState = applyPatch(draftState, line.effects[draftId].revert)
    if (line.effects.h1) publishedState = applyPatch(publishedState, line.effects.h1.revert)
  }
  expect(draftState).toBeNull()
  expect(publishedState).toBeNull()

  // Forwards with the incremental patcher (attribution per transaction), oldest first.
  let value = incremental.wrap<string>(null, 'start')
  for (const line of [...lines].reverse()) {
    if (line.effects[draftId])
      value = incremental.applyPatch(value, line.effects[draftId].apply, line.id)
  }
  expect(incremental.unwrap(value)).toBeNull()
  let attributed = incremental.wrap<string>(null, 'start')
  for (const line of [...lines].reverse().slice(0, 3)) {
    attributed = incremental.applyPatch(attributed, line.effects[draftId].apply, line.id)
  }
  // After three edits, what they did not touch still belongs to the creating transaction: the
  // paragraphs around the inserted one too, because arrays are rebuilt from slices.
  const third = incremental.unwrap(attributed) as {title: string; body: unknown[]}
  expect(third.title).toBe('খসড়া ২')
  expect(third.body).toHaveLength(21)
  type Node = {startMeta: string; content?: {fields?: Record<string, Node>; elements?: Node[]}}
  const root = attributed as Node
  expect(root.content!.fields!.title.startMeta).toBe(states[1].rev)
  expect(root.content!.fields!._type.startMeta).toBe(states[0].rev)
  const body = root.content!.fields!.body.content!.elements!
  expect(body[0].startMeta).toBe(states[0].rev)
  expect(body[5].startMeta).toBe(states[2].rev)
  expect(body[20].startMeta).toBe(states[0].rev)

  // Small edits are stored small: the title change does not carry the body.
  const titleEdit = lines.find((line) => line.id === states[1].rev)!
  expect(JSON.stringify(titleEdit.effects[draftId])).not.toContain('অনুচ্ছেদ')
})

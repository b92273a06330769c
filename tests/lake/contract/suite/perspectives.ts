import type {SanityClient} from '@sanity/client'
import {beforeAll, expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'

/**
 * One document group per case: published only (P), draft only (D), both (B), both plus a release
 * version of B (versions.r1.B).
 */
export function perspectivesContract(target: GetTarget) {
  let type: string
  let P: string, D: string, B: string

  beforeAll(async () => {
    const prefix = target().prefix
    type = `${prefix}Persp`
    ;[P, D, B] = [`${prefix}-persp-p`, `${prefix}-persp-d`, `${prefix}-persp-b`]
    await target()
      .client()
      .transaction()
      .create({_id: P, _type: type, v: 'P published'})
      .create({_id: `drafts.${D}`, _type: type, v: 'D draft'})
      .create({_id: B, _type: type, v: 'B published'})
      .create({_id: `drafts.${B}`, _type: type, v: 'B draft'})
      .create({_id: `versions.r1.${B}`, _type: type, v: 'B r1'})
      .commit()
  })

  const fetch = (client: SanityClient, perspective?: unknown) =>
    client.fetch(
      '*[_type == $type] | order(v asc) {_id, _originalId, v}',
      {type},
      perspective === undefined ? {} : {perspective: perspective as 'raw'},
    )

  test('raw returns every stored document, versions included, without _originalId', async () => {
    const docs = await fetch(target().client(), 'raw')
    expect(docs.map((d: {_id: string}) => d._id).sort()).toEqual(
      [P, `drafts.${D}`, B, `drafts.${B}`, `versions.r1.${B}`].sort(),
    )
  })

  test('published returns only published ids', async () => {
    const docs = await fetch(target().client(), 'published')
    expect(docs.map((d: {v: string}) => d.v)).toEqual(['B published', 'P published'])
    for (const doc of docs) expect(doc._originalId ?? doc._id).toBe(doc._id)
  })

  test('published is the default from v2025-02-19, raw before', async () => {
    const now = await fetch(target().client())
    expect(now.map((d: {v: string}) => d.v)).toEqual(['B published', 'P published'])
    const old = await fetch(target().client({apiVersion: '2021-10-21'}))
    expect(old.map((d: {v: string}) => d.v)).toEqual([
      'B draft',
      'B published',
      'D draft',
      'P published',
    ])
  })

  test('drafts overlays drafts on published, with the published _id and the stored _originalId', async () => {
    const docs = await fetch(target().client(), 'drafts')
    expect(docs).toEqual([
      {_id: B, _originalId: `drafts.${B}`, v: 'B draft'},
      {_id: D, _originalId: `drafts.${D}`, v: 'D draft'},
      {_id: P, _originalId: P, v: 'P published'},
    ])
  })

  test('previewDrafts is an alias of drafts', async () => {
    const res = await target().request(
      `/data/query/${target().dataset}?query=${encodeURIComponent('*[_type == $type]._id')}&%24type=${encodeURIComponent(JSON.stringify(type))}&perspective=previewDrafts`,
    )
    expect((await res.json()).result.sort()).toEqual([B, D, P].sort())
  })

  test('a release stack takes the first existing layer per document', async () => {
    const docs = await fetch(target().client(), ['r1', 'drafts'])
    expect(docs).toEqual([
      {_id: B, _originalId: `versions.r1.${B}`, v: 'B r1'},
      {_id: D, _originalId: `drafts.${D}`, v: 'D draft'},
      {_id: P, _originalId: P, v: 'P published'},
    ])
    const releaseOnly = await fetch(target().client(), ['r1'])
    expect(releaseOnly.map((d: {v: string}) => d.v)).toEqual(['B r1', 'P published'])
  })

  test('references resolve inside the perspective', async () => {
    const client = target().client()
    const ref = `${target().prefix}-persp-ref`
    await client.create({_id: ref, _type: `${type}Ref`, target: {_type: 'reference', _ref: B}})
    const published = await client.fetch(
      '*[_id == $id][0].target->v',
      {id: ref},
      {perspective: 'published'},
    )
    expect(published).toBe('B published')
    const drafts = await client.fetch(
      '*[_id == $id][0].target->v',
      {id: ref},
      {perspective: 'drafts'},
    )
    expect(drafts).toBe('B draft')
  })
}

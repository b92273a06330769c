/**
 * `client.datasets` (create, edit, list) through the real @sanity/client, as hosted Sanity's
 * Projects API answers them: a dataset's `aclMode` is what it was created or edited with, and
 * decides whether anonymous callers read its published documents.
 */
import type {SanityClient} from '@sanity/client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {rejection} from '../contract/suite/clientCalls.ts'

let lake: TestLake
let admin: SanityClient

beforeAll(async () => {
  lake = await startTestLake()
  const {token} = await lake.server.lake.auth!.store.createToken({
    label: 'admin',
    role: 'administrator',
  })
  admin = lake.client({token})
})

afterAll(async () => {
  await lake?.close()
})

const aclModeOf = async (name: string) =>
  (await admin.datasets.list()).find((dataset) => dataset.name === name)?.aclMode

/** What an anonymous caller reads of `dataset`: the published titles. */
const anonymousTitles = (dataset: string) =>
  lake.client({token: undefined, dataset}).fetch<string[]>('*[_type == "article"].title')

describe('client.datasets', () => {
  it('create keeps the aclMode it is given', async () => {
    expect(await admin.datasets.create('open', {aclMode: 'public'})).toEqual({
      datasetName: 'open',
      aclMode: 'public',
    })
    expect(await aclModeOf('open')).toBe('public')
    await admin.withConfig({dataset: 'open'}).create({_type: 'article', title: 'খোলা'})
    expect(await anonymousTitles('open')).toEqual(['খোলা'])

    expect(await admin.datasets.create('closed', {aclMode: 'private'})).toEqual({
      datasetName: 'closed',
      aclMode: 'private',
    })
    expect(await aclModeOf('closed')).toBe('private')
  })

  it('edit changes the aclMode, and who may read', async () => {
    await admin.datasets.create('edited', {aclMode: 'private'})
    await admin.withConfig({dataset: 'edited'}).create({_type: 'article', title: 'সম্পাদিত'})
    expect(await anonymousTitles('edited')).toEqual([])

    expect(await admin.datasets.edit('edited', {aclMode: 'public'})).toEqual({
      datasetName: 'edited',
      aclMode: 'public',
    })
    expect(await aclModeOf('edited')).toBe('public')
    expect(await anonymousTitles('edited')).toEqual(['সম্পাদিত'])

    expect(await admin.datasets.edit('edited', {aclMode: 'private'})).toEqual({
      datasetName: 'edited',
      aclMode: 'private',
    })
    expect(await anonymousTitles('edited')).toEqual([])
  })

  it('an aclMode the lake has no such setting for is a 400, nothing changed', async () => {
    await admin.datasets.create('kept', {aclMode: 'private'})
    for (const call of [
      () => admin.datasets.create('custom', {aclMode: 'custom'}),
      () => admin.datasets.edit('kept', {aclMode: 'custom'}),
      () => admin.datasets.edit('kept', {aclMode: 'everyone'} as never),
    ]) {
      const err = await rejection(call())
      expect(err.statusCode).toBe(400)
      expect(err.message).toContain('aclMode')
    }
    expect(await aclModeOf('kept')).toBe('private')
  })

  it('only administrators create or edit datasets', async () => {
    await admin.datasets.create('guarded', {aclMode: 'private'})
    const editor = lake.client()
    expect((await rejection(editor.datasets.create('other', {aclMode: 'public'}))).statusCode).toBe(
      403,
    )
    expect((await rejection(editor.datasets.edit('guarded', {aclMode: 'public'}))).statusCode).toBe(
      403,
    )
    expect(await aclModeOf('guarded')).toBe('private')
  })
})

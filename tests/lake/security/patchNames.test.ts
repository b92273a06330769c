/**
 * A patch path's attribute names outside A-Z, a-z, 0-9 and _ (a Bengali field name): @sanity/mutator
 * reads them only quoted, so the 400 names the quoted form, which the lake then applies.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
  await lake.client().createOrReplace({_id: 'p1', _type: 'article', meta: {}})
})
afterAll(() => lake?.close())

describe('a patch path with a Bengali attribute name', () => {
  it('unquoted: a 400 naming the quoted form; nothing written', async () => {
    const client = lake.client()
    for (const [path, quoted] of [
      ['শিরোনাম', "['শিরোনাম']"],
      ['meta.শিরোনাম', "meta['শিরোনাম']"],
    ]) {
      const err = await client
        .patch('p1')
        .set({[path]: 'ক'})
        .commit()
        .catch((e: Error & {statusCode: number}) => e)
      expect(err).toMatchObject({statusCode: 400})
      expect((err as Error).message).toContain(`write it quoted: "${quoted}"`)
    }
    expect(await client.getDocument('p1')).toMatchObject({meta: {}})
    expect(await client.getDocument('p1')).not.toHaveProperty('শিরোনাম')
  })

  it('quoted: applied', async () => {
    const client = lake.client()
    await client.patch('p1').set({"['শিরোনাম']": 'ক', "meta['শিরোনাম']": 'খ'}).commit()
    expect(await client.getDocument('p1')).toMatchObject({শিরোনাম: 'ক', meta: {শিরোনাম: 'খ'}})
  })
})

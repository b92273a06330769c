/**
 * The lake's HTTP contract, one suite for every backend (db0's testConnector idea): the local lake
 * always, a hosted Sanity project when credentials are set. Everything goes through @sanity/client
 * or plain HTTP.
 */
import {afterAll, beforeAll, describe} from 'vitest'
import {actionsContract} from './suite/actions.ts'
import {docContract} from './suite/doc.ts'
import {exportImportContract} from './suite/exportImport.ts'
import {historyContract} from './suite/history.ts'
import {mutationsContract} from './suite/mutations.ts'
import {parityContract} from './suite/parity.ts'
import {perspectivesContract} from './suite/perspectives.ts'
import {queryContract} from './suite/query.ts'
import {referencesContract} from './suite/references.ts'
import type {ContractTarget} from './target.ts'

/** Gives each area the target once `beforeAll` has made it. */
export type GetTarget = () => ContractTarget

export function describeLakeContract(name: string, makeTarget: () => Promise<ContractTarget>) {
  describe(name, () => {
    let target: ContractTarget | undefined
    beforeAll(async () => {
      target = await makeTarget()
    })
    afterAll(async () => {
      if (!target) return
      await cleanUp(target)
      await target.close()
    })
    const get: GetTarget = () => {
      if (!target) throw new Error('contract target not started')
      return target
    }
    describe('mutations', () => mutationsContract(get))
    describe('actions', () => actionsContract(get))
    describe('query', () => queryContract(get))
    describe('perspectives', () => perspectivesContract(get))
    describe('doc endpoint', () => docContract(get))
    describe('history', () => historyContract(get))
    describe('reference integrity', () => referencesContract(get))
    describe('export and import', () => exportImportContract(get))
    describe('answers as hosted Sanity gives them', () => parityContract(get))
  })
}

/** Removes this run's documents (matters on a shared hosted dataset). */
async function cleanUp(target: ContractTarget) {
  const p = target.prefix
  await target
    .client({perspective: 'raw'})
    .delete({
      query: '*[_id in path($a) || _id in path($b) || _id in path($c)]',
      params: {a: `${p}**`, b: `drafts.${p}**`, c: `versions.*.${p}**`},
    })
    .catch(() => undefined)
}

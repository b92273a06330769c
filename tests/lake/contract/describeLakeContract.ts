/**
 * The lake's HTTP contract, one suite for every backend (db0's testConnector idea): the local lake
 * always, a hosted Sanity project when credentials are set. Everything goes through @sanity/client
 * or plain HTTP requests.
 */
import {afterAll, beforeAll, describe} from 'vitest'
import {actionsContract} from './suite/actions.ts'
import {clientMethodsContract} from './suite/clientMethods.ts'
import {docContract} from './suite/doc.ts'
import {eventsContract} from './suite/events.ts'
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

/** The suite's areas, each a describe block of its own. */
export const CONTRACT_AREAS = {
  mutations: mutationsContract,
  actions: actionsContract,
  query: queryContract,
  perspectives: perspectivesContract,
  'doc endpoint': docContract,
  history: historyContract,
  'events API': eventsContract,
  'reference integrity': referencesContract,
  // @sanity/export and @sanity/import open their own connections: they need a listening target.
  'export and import': exportImportContract,
  'answers as hosted Sanity gives them': parityContract,
  '@sanity/client methods': clientMethodsContract,
} satisfies Record<string, (target: GetTarget) => void>

export type ContractArea = keyof typeof CONTRACT_AREAS

export function describeLakeContract(
  name: string,
  makeTarget: () => Promise<ContractTarget>,
  areas: ContractArea[] = Object.keys(CONTRACT_AREAS) as ContractArea[],
) {
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
    for (const area of areas) describe(area, () => CONTRACT_AREAS[area](get))
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

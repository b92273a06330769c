import {createClient} from 'next-sanity'
import {apiHost, apiVersion, dataset, projectId, readToken} from './env.ts'

export const client = createClient({
  projectId,
  dataset,
  apiVersion,
  // The lake answers on one host for every project; hosted Sanity uses <projectId>.api.sanity.io.
  ...(apiHost ? {apiHost, useProjectHostname: false} : {}),
  useCdn: true,
  token: readToken,
})

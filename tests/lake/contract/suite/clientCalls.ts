import type {SanityClient} from '@sanity/client'
import {expect} from 'vitest'

/** The error a client call rejects with (fails the test if it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & {statusCode?: number; response?: {body?: unknown}}> {
  try {
    await promise
  } catch (err) {
    return err as Error & {statusCode?: number}
  }
  expect.fail('expected the request to fail')
}

export async function rawDoc(client: SanityClient, id: string) {
  return client.withConfig({perspective: 'raw'}).fetch('*[_id == $id][0]', {id})
}

export function newId(prefix: string, name: string): string {
  return `${prefix}-${name}-${Math.random().toString(36).slice(2, 8)}`
}

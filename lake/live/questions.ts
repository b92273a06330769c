/**
 * What a remembered query needs to be asked again after a restart: the request and who asked,
 * as far as it decides what they may read (never their token). A revived question is only ever
 * answered into a hash compared with the last one, so its answer reaches no one.
 */
import {isRoleName, type Principal} from '../core/grants.ts'
import type {QueryAnswer, QueryRequest} from '../query/execute.ts'

interface Question {
  request: QueryRequest
  principal: Pick<Principal, 'id' | 'kind' | 'role' | 'publicReads'>
}

export function liveQuestion(request: QueryRequest, principal: Principal): Question {
  const {id, kind, role, publicReads} = principal
  return {request, principal: {id, kind, role, ...(publicReads ? {publicReads} : {})}}
}

/** The saved question as a rerun over `query`, or null when it is not one this lake saved. */
export function reviveLiveQuestion(
  saved: unknown,
  query: (request: QueryRequest, principal: Principal) => Promise<QueryAnswer>,
): (() => Promise<QueryAnswer>) | null {
  const {request, principal} = (saved ?? {}) as Partial<Question>
  if (
    typeof request?.query !== 'string' ||
    typeof request.apiVersion !== 'string' ||
    typeof request.params !== 'object' ||
    request.params === null ||
    (request.perspective !== undefined && typeof request.perspective !== 'string') ||
    typeof principal?.id !== 'string' ||
    !['user', 'token', 'anonymous'].includes(principal.kind as string) ||
    (principal.role !== null && !isRoleName(principal.role))
  ) {
    return null
  }
  const who: Principal = {
    id: principal.id,
    kind: principal.kind!,
    role: principal.role,
    ...(principal.publicReads === true ? {publicReads: true} : {}),
  }
  const asked: QueryRequest = {
    query: request.query,
    params: request.params,
    perspective: request.perspective,
    apiVersion: request.apiVersion,
  }
  return () => query(asked, who)
}

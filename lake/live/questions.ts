/**
 * What a remembered query needs to be asked again after a restart: the request and who asked,
 * as far as it decides what they may read (never their token). A revived question is only ever
 * answered into a hash compared with the last one, so its answer reaches no one.
 */
import {isRoleName, type Principal} from '../core/grants.ts'
import type {QueryAnswer, QueryAsked} from '../query/execute.ts'

interface Question {
  /** Parameters given as text (a large body's) are kept and saved as that text. */
  request: QueryAsked
  principal: Pick<Principal, 'id' | 'kind' | 'role' | 'publicReads'>
}

export function liveQuestion(request: QueryAsked, principal: Principal): Question {
  const {id, kind, role, publicReads} = principal
  return {request, principal: {id, kind, role, ...(publicReads ? {publicReads} : {})}}
}

/** The saved question as a rerun over `query`, or null when it is not one this lake saved. */
export function reviveLiveQuestion(
  saved: unknown,
  query: (request: QueryAsked, principal: Principal) => Promise<QueryAnswer>,
): (() => Promise<QueryAnswer>) | null {
  const {request, principal} = (saved ?? {}) as {
    request?: Partial<{query: unknown; apiVersion: unknown; perspective: unknown}> &
      ({params?: unknown} | {paramsText?: unknown})
    principal?: Partial<Question['principal']>
  }
  const params = request && 'params' in request ? request.params : undefined
  const paramsText = request && 'paramsText' in request ? request.paramsText : undefined
  if (
    typeof request?.query !== 'string' ||
    typeof request.apiVersion !== 'string' ||
    ((typeof params !== 'object' || params === null) && typeof paramsText !== 'string') ||
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
  const common = {
    query: request.query,
    perspective: request.perspective as string | undefined,
    apiVersion: request.apiVersion,
  }
  const asked: QueryAsked =
    typeof paramsText === 'string'
      ? {...common, paramsText}
      : {...common, params: params as Record<string, unknown>}
  return () => query(asked, who)
}

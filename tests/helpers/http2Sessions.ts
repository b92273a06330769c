import {connect, type ClientHttp2Session} from 'node:http2'
import {afterEach, expect} from 'vitest'
import type {TestLake} from './lake.ts'

/** Opens a session (`unread`: one that reads no answer's body, a flow-control window of 0). */
export interface Http2Sessions {
  (options?: {unread?: boolean}): ClientHttp2Session
  /** Destroys every session opened so far (the client gone), as each test's end does. */
  destroyAll(): void
}

/**
 * HTTP/2 sessions to a file's test lake (`lake`: its getter, the lake starts in beforeAll). Each
 * session opened in a test is destroyed after it, and the next test begins once the lake holds
 * none of their requests' places (inFlight.held), nor, with `answers`, bytes of their unread
 * answers (answers.held): either still held would count against the next test's limits.
 */
export function http2Sessions(
  lake: () => TestLake,
  options: {answers?: boolean} = {},
): Http2Sessions {
  const sessions: ClientHttp2Session[] = []
  const destroyAll = () => {
    for (const session of sessions.splice(0)) session.destroy()
  }
  afterEach(async () => {
    destroyAll()
    const {inFlight, answers} = lake().server.lake.context
    await expect.poll(() => inFlight.held, {timeout: 20_000}).toBe(0)
    if (options.answers) await expect.poll(() => answers.held, {timeout: 20_000}).toBe(0)
  })
  const open = (options: {unread?: boolean} = {}) => {
    const opened = connect(lake().url, options.unread ? {settings: {initialWindowSize: 0}} : {})
    opened.on('error', () => {})
    sessions.push(opened)
    return opened
  }
  return Object.assign(open, {destroyAll})
}

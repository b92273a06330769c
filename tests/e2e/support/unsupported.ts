// The lake's own table of endpoints it answers 404 on purpose (presence socket, events API…).
// A 5xx is never declared: it always fails the test.
import {isDeclaredNotFound} from '../../../lake/http/routes/hostedOnly.ts'

export function isDeclaredUnsupported(method: string, url: string, status: number): boolean {
  return status === 404 && isDeclaredNotFound(method, new URL(url).pathname)
}

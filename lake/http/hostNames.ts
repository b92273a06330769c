/**
 * Which Host names a lake answers when it listens on a loopback address without TLS. A page on
 * another site can rebind its own name to 127.0.0.1 (DNS rebinding) and then read from the lake
 * as its own origin, CORS no help, whatever an anonymous caller may (public datasets). Over HTTPS
 * the browser refuses the lake's certificate for that name first; over plain HTTP only the Host
 * header tells: such a lake answers loopback names only. A lake listening on another address (a
 * newsroom's LAN) answers any name its users call it by.
 */
import {type LakeError, PermissionError} from '../core/errors.ts'

/** Whether `hostname` (a URL's, IPv6 in brackets) is a loopback name or address. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    name === '[::1]' ||
    name === '::1'
  )
}

/**
 * The refusal of `request` by a lake listening on `listening` without TLS when its Host names no
 * loopback address (isLoopbackName), or null. Listening elsewhere, null.
 */
export function refusedHost(request: Request, listening: string): LakeError | null {
  if (!isLoopbackName(listening)) return null
  const {hostname, port} = new URL(request.url)
  if (isLoopbackName(hostname)) return null
  return new PermissionError(
    `The request's Host ${JSON.stringify(hostname.slice(0, 64))} is no loopback name: this lake ` +
      'listens on a loopback address without TLS and answers localhost, *.localhost, 127.x.x.x ' +
      'and [::1] only (a page of another site could rebind its own name to 127.0.0.1 and read ' +
      `from the lake). Call http://localhost${port ? `:${port}` : ''}, or start the lake with ` +
      '--host on the address other machines reach it by',
  )
}

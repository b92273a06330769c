/**
 * `<name>.localhost` resolved to the loopback address in this process, as RFC 6761 (section 6.3)
 * has it and browsers and systemd-resolved do, but glibc's resolver without them does not (Node
 * asks the system's). For tools that always call a project's subdomain of their API host
 * (@sanity/migrate's runner calls `https://local.localhost:<port>` for the lake): on a developer's
 * machine that resolves such names, or with a `127.0.0.1 local.localhost` line in /etc/hosts,
 * they need nothing of this.
 */
import dns from 'node:dns'

let installed = false

export function resolveLocalhostSubdomains(): void {
  if (installed) return
  installed = true
  const systemLookup = dns.lookup
  // node:net looks dns.lookup up on the module at each connection, so this reaches every socket
  // the tools open (undici's included) without their options.
  dns.lookup = ((hostname: string, ...rest: unknown[]) =>
    (systemLookup as (...args: unknown[]) => void)(
      // IPv4's loopback, where test lakes listen (`localhost` may name ::1 first).
      /\.localhost\.?$/i.test(hostname) ? '127.0.0.1' : hostname,
      ...rest,
    )) as typeof dns.lookup
}

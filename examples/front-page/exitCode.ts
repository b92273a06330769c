/**
 * `npm run example`'s exit code once Next has ended (its --help: 0 done). Ctrl-C, or a SIGTERM
 * from whatever runs it, is how the site is stopped: done, 0. Any other signal is a failure.
 */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  return signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1
}

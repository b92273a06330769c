/**
 * The lake's stop on SIGTERM (lake/cli/stopping.ts) when its watchdog thread cannot start: the
 * process it runs in has no file descriptor left (EMFILE), as a lake serving many connections may.
 */
import {spawn} from 'node:child_process'
import {expect, test} from 'vitest'
import {UsageError} from '../../../kit/cli.ts'
import {STOP_LIMIT_MS, stopLimitMs} from '../../../lake/cli/stopping.ts'

const STOPPING = new URL('../../../lake/cli/stopping.ts', import.meta.url).href

/** A process that takes every descriptor it may open, then SIGTERM; `close` as stopOnSignal's. */
function stopWithoutDescriptors(close: string) {
  const script = `
    const {stopOnSignal} = await import(${JSON.stringify(STOPPING)})
    const {openSync} = await import('node:fs')
    const held = []
    try {
      for (;;) held.push(openSync('/dev/null', 'r'))
    } catch {}
    // The signal's listener alone does not keep the loop alive, as the lake's server does.
    setInterval(() => {}, 1000)
    const stopped = stopOnSignal(${close}, process)
    process.kill(process.pid, 'SIGTERM')
    await stopped
    console.log('stopped')
    process.exit(0)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  return new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    stdout: string
    stderr: string
  }>((resolve) => child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})))
}

test("a watchdog thread that cannot start is logged, and the lake's close still finishes", async () => {
  // Before: the Worker's 'error' had no listener, an uncaught exception: the process ended with
  // code 1 in the middle of the close (listeners not told, queued writes cut short).
  const ended = await stopWithoutDescriptors(
    '() => new Promise((resolve) => setTimeout(resolve, 300))',
  )
  expect(ended.stderr).toMatch(/lake: the stop watchdog's thread failed \(.*EMFILE.*\)/)
  expect(ended.stderr).not.toMatch(/ERR_WORKER_INIT_FAILED/)
  expect({code: ended.code, stdout: ended.stdout.trim()}).toEqual({
    code: 0,
    stdout: 'Stopping the lake…\nstopped',
  })
})

test('a watchdog thread that cannot start: a close that never ends is still ended at the limit', async () => {
  const ended = await stopWithoutDescriptors('() => new Promise(() => setInterval(() => {}, 1000))')
  expect(ended.stderr).toMatch(/lake: the stop watchdog's thread failed/)
  expect(ended.stderr).not.toMatch(/ERR_WORKER_INIT_FAILED/)
  expect(ended.signal).toBe('SIGTERM')
  expect(ended.stdout).toBe('Stopping the lake…\n')
})

test('the stop limit is the one given', async () => {
  const script = `
    const {stopOnSignal} = await import(${JSON.stringify(STOPPING)})
    setInterval(() => {}, 1000)
    const stopped = stopOnSignal(() => new Promise(() => {}), process, 300)
    process.kill(process.pid, 'SIGTERM')
    await stopped
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_, ended) => resolve(ended)),
  )
  expect(stderr).toMatch(/still stopping at the 300 ms limit; ending now/)
  expect(signal).toBe('SIGTERM')
})

test('LAKE_STOP_LIMIT_MS: unset is the 1.5 s default; a whole number up to 10 minutes is taken', () => {
  expect(stopLimitMs({})).toBe(STOP_LIMIT_MS)
  expect(stopLimitMs({LAKE_STOP_LIMIT_MS: ''})).toBe(STOP_LIMIT_MS)
  expect(stopLimitMs({LAKE_STOP_LIMIT_MS: '600000'})).toBe(600_000)
  expect(stopLimitMs({LAKE_STOP_LIMIT_MS: '1'})).toBe(1)
})

test('LAKE_STOP_LIMIT_MS: anything else is refused at start, not taken or ignored', () => {
  // Before: 3000000000 was taken, past setTimeout's 2^31-1 ms, which Node then ran after 1 ms:
  // the watchdog ended the stop at once. 0, "2s" and 1.5 fell back to the default unsaid.
  for (const value of ['3000000000', '600001', '0', '-5', '1.5', '2s', '1e3']) {
    expect(() => stopLimitMs({LAKE_STOP_LIMIT_MS: value}), value).toThrow(UsageError)
  }
  expect(() => stopLimitMs({LAKE_STOP_LIMIT_MS: '3000000000'})).toThrow(
    'LAKE_STOP_LIMIT_MS takes a whole number of milliseconds from 1 to 600000, got "3000000000".',
  )
})

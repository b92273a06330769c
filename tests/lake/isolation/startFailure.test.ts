/**
 * A `lake start` that fails after it took the data folder's lock lets the lock go: in-process (as
 * tests and embedders run it) a retry must fail for its own reason, not for a lock it holds itself.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {afterEach, expect, test} from 'vitest'
import {runnerOf, type Io} from '../../../kit/cli.ts'
import {command} from '../../../lake/cli/start.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const silent = (): Writable => new Writable({write: (_chunk, _encoding, done) => done()})

test('a start that fails on a port in use lets the data folder go: a second fails for the port', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-start-failure-'))
  cleanups.push(() => rm(dataDir, {recursive: true, force: true}))
  const taken: Server = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => taken.close(resolve)))
  const port = (taken.address() as {port: number}).port
  const io: Io = {stdout: silent(), stderr: silent(), env: {}, cwd: dataDir, now: () => new Date()}
  const start = runnerOf(command)
  const argv = ['--data', dataDir, '--port', String(port), '--host', '127.0.0.1', '--no-tls']
  for (const attempt of ['first', 'second']) {
    const failure = await start(argv, io).then(
      (code) => new Error(`started (${code})`),
      (error: unknown) => error as Error & {code?: string},
    )
    expect(`${failure.name}: ${failure.message}`, attempt).not.toMatch(/in use by the lake/)
    expect((failure as {code?: string}).code, attempt).toBe('EADDRINUSE')
  }
})

/**
 * The lake's process-level net (lake/cli.ts; docs/architecture.md, Failures): in its own process
 * a rejection nobody handled is logged and the lake goes on serving; a lake embedded in another
 * process (createLake, the server) installs no process-wide handler.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {startTestLake} from '../../helpers/lake.ts'

let child: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await child?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

/** Rejects a promise nobody handles in the lake's process when it is sent SIGUSR2. */
const REJECT_ON_SIGNAL = `data:text/javascript,${encodeURIComponent(
  "process.on('SIGUSR2', () => Promise.reject(new Error('a failure nobody hears')))",
)}`

test("a rejection nobody handled in the lake's process is logged, and the lake goes on serving", async () => {
  // Node's default ends the process (exit code 1): every Studio's listeners and every write in
  // flight gone, and nothing starts `npm run lake` again.
  dataDir = await mkdtemp(join(tmpdir(), 'lake-unhandled-'))
  const lines: string[] = []
  let exited: number | null | undefined
  child = await startLakeProcess({
    dataDir,
    tls: false,
    env: {...process.env, LAKE_ADMIN_PASSWORD: 'unhandled-test-password'},
    nodeFlags: ['--import', REJECT_ON_SIGNAL],
    onLine: (line) => lines.push(line),
  })
  child.child.on('exit', (code) => (exited = code))
  child.child.kill('SIGUSR2')
  const deadline = Date.now() + 20_000
  while (!lines.some((line) => line.includes('a failure nobody hears')) && exited === undefined) {
    if (Date.now() > deadline) throw new Error(`no rejection within 20 s:\n${lines.join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  expect(lines.join('\n')).toMatch(
    /lake: a failure nobody handled \(a bug; the lake goes on serving\): Error: a failure nobody hears/,
  )
  const ping = await fetch(`${child.url}/v2025-02-19/ping`).then(
    (res) => res.status,
    (err: Error) => `no answer: ${err.message}`,
  )
  expect({ping, exited}).toEqual({ping: 200, exited: undefined})
}, 60_000)

test('an embedded lake installs no process-wide handler', async () => {
  const events = ['unhandledRejection', 'uncaughtException', 'SIGINT', 'SIGTERM', 'warning']
  const count = () => events.map((event) => process.listenerCount(event))
  const before = count()
  const lake = await startTestLake()
  try {
    await lake.client().create({_id: 'a', _type: 't'})
    expect(count()).toEqual(before)
  } finally {
    await lake.close()
  }
  expect(count()).toEqual(before)
})

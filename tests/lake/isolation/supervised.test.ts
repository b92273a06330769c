/**
 * `npm run lake` as a user runs it (package.json's command, no npm between): SIGTERM stops the lake
 * within its limit even while the lake's event loop is held (issue 9), which a signal handler on
 * that loop cannot promise, as Node delivers signals to the main thread's loop only. The loop is
 * held by a module of this test's own, preloaded with --import (no hook in the lake's code): on
 * SIGUSR2 it says so and runs forever, as a long synchronous task would. Also what the command's
 * process owes its lake: Ctrl-C and SIGTERM stop it cleanly with exit code 0, a lake that crashes
 * ends the command with a failure, and a command killed outright does not leave its lake running.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, afterEach, expect, test} from 'vitest'
import {LAKE_NODE_FLAGS} from '../../../kit/lakeFlags.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** Holds the event loop of the process it is loaded into for good, once sent SIGUSR2. */
const HOLD_ON_SIGNAL = `data:text/javascript,${encodeURIComponent(
  "process.on('SIGUSR2', () => { process.getBuiltinModule('node:fs').writeSync(2, 'holding the event loop\\n'); for (;;); })",
)}`

/** A bound for what the tests wait for, far past the 1.5 s limit, so that load cannot fail them. */
const GENEROUS_MS = 30_000

/**
 * Sends the lake SIGINT itself the moment it has written its ready line ("Studio and clients"),
 * as a Ctrl-C does when the lake's thread loses the core right after that write (load 25-29):
 * whatever the scheduler, the signal then comes before anything the lake does after the line.
 */
const SIGINT_ON_READY = `data:text/javascript,${encodeURIComponent(
  "const out = process.stdout; const write = out.write.bind(out); out.write = (chunk, ...rest) => { const done = write(chunk, ...rest); if (String(chunk).startsWith('Studio and clients')) process.kill(process.pid, 'SIGINT'); return done }",
)}`

const folders: string[] = []
const started: ChildProcess[] = []
/** The lakes started, by pid: one whose supervisor was killed is no longer among its descendants. */
const lakes: number[] = []
afterEach(() => {
  // Whatever a failed test left: the command's process group (the lake's too, where it has one),
  // and each lake by its own pid and group (a held lake left behind spins a core for ever).
  for (const child of started.splice(0)) {
    for (const pid of [child.pid!, ...descendants(child.pid!), ...lakes.splice(0)]) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL')
        } catch {
          // Gone.
        }
      }
    }
  }
})
afterAll(() => Promise.all(folders.map((dir) => rm(dir, {recursive: true, force: true}))))

interface Command {
  child: ChildProcess
  port: number
  /** The process that serves the lake: the command's child, or (without one) the command itself. */
  lakePid: number
  stdout: () => string
  stderr: () => string
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
}

/** `node <the lake's flags> lake/cli.ts --port 0 …`, as package.json's `lake` script runs. */
async function startCommand(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Command> {
  const child = spawnCommand(dataDir, env)
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.once('exit', (code, signal) => resolve({code, signal})),
  )
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  // The lake's ready line, written once it listens for signals (lake/cli/start.ts).
  const port = await Promise.race([
    until(
      () =>
        /^Studio and clients/m.test(stdout)
          ? Number(/^Lake listening on \S+:(\d+)\b/m.exec(stdout)![1])
          : undefined,
      // A start at load 34 took over 60 s (tests/lake/isolation/childLake.ts).
      'listening',
      150_000,
    ),
    exited.then(({code, signal}) => {
      throw new Error(`exited (${signal ?? code}) before listening:\n${stdout}\n${stderr}`)
    }),
  ])
  const lakePid = descendants(child.pid!).at(-1) ?? child.pid!
  lakes.push(lakePid)
  return {child, port, lakePid, stdout: () => stdout, stderr: () => stderr, exited}
}

/** The command's process, with `preload` loaded into it and its lake before their modules. */
function spawnCommand(dataDir: string, env: NodeJS.ProcessEnv, preload = HOLD_ON_SIGNAL) {
  const child = spawn(
    process.execPath,
    [
      ...LAKE_NODE_FLAGS,
      '--import',
      preload,
      'lake/cli.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--no-tls',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        LAKE_SUPERVISOR: undefined,
        LAKE_ADMIN_PASSWORD: 'supervised-test',
        ...env,
      },
      // Its own process group, as a terminal gives a foreground command.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  started.push(child)
  return child
}

/** Every process under `pid`, depth first. */
function descendants(pid: number): number[] {
  let threads: string[]
  try {
    threads = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  return threads.flatMap((thread) => {
    let children = ''
    try {
      children = readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8')
    } catch {
      // The thread ended meanwhile.
    }
    return children
      .split(' ')
      .filter(Boolean)
      .flatMap((child) => [Number(child), ...descendants(Number(child))])
  })
}

/** Polls `value` every 20 ms until it gives something (a process not ours has no exit event). */
async function until<T>(
  value: () => T | undefined,
  what = 'the condition',
  boundMs = GENEROUS_MS,
): Promise<T> {
  const deadline = Date.now() + boundMs
  for (;;) {
    const found = value()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`${what}: not within ${boundMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Gone, or a zombie nobody will wait for any more. */
const gone = (pid: number) =>
  !existsSync(`/proc/${pid}`) || /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
    socket.once('connect', () => socket.destroy())
  })

/** The command's exit, or 'still running' past GENEROUS_MS. */
const exitOrTimeout = (command: Command) =>
  Promise.race([
    command.exited,
    new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), GENEROUS_MS),
    ),
  ])

const folder = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-supervised-'))
  folders.push(dir)
  return dir
}

test.runIf(process.platform === 'linux')(
  'SIGTERM stops the lake within its limit while its event loop is held, and it starts again on the same folder',
  async () => {
    const dataDir = await folder()
    const command = await startCommand(dataDir)
    const token = readFileSync(join(dataDir, 'token'), 'utf8').trim()
    const written = await fetch(`http://127.0.0.1:${command.port}/v2025-02-19/data/mutate/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
      body: JSON.stringify({mutations: [{create: {_id: 'kept', _type: 'note'}}]}),
    })
    expect(written.status).toBe(200)
    process.kill(command.lakePid, 'SIGUSR2')
    await until(() => (command.stderr().includes('holding the event loop') ? true : undefined))
    const signalled = performance.now()
    command.child.kill('SIGTERM')
    // Before: the lake took the signal only once its loop was free (here never; a reviewer's
    // listeners' filters held one ~85 s): still running at the bound.
    const ended = await exitOrTimeout(command)
    console.log(`SIGTERM to the command's exit: ${Math.round(performance.now() - signalled)} ms`)
    expect(ended, command.stderr()).toEqual({code: null, signal: 'SIGTERM'})
    // Ended at two thirds of the limit, not at it: a lake that has not even begun its stop by
    // then cannot finish it within the limit, and the SIGKILL's teardown needs the margin.
    expect(command.stderr()).toMatch(
      /lake: the lake has not begun its stop 1000 ms after the signal \(its event loop is held\); ending it now/,
    )
    expect(gone(command.lakePid)).toBe(true)
    expect(await portAnswers(command.port)).toBe(false)

    // Nothing was left to block the next start (no lock of the killed process), and the
    // acknowledged write is there. Only its close ends it, however loaded the machine (at load
    // 29 its clean stop met the limit: ended by SIGTERM, not exit code 0).
    const again = await startCommand(dataDir, {LAKE_STOP_LIMIT_MS: '600000'})
    const read = await fetch(`http://127.0.0.1:${again.port}/v2025-02-19/data/doc/test/kept`, {
      headers: {authorization: `Bearer ${token}`},
    })
    expect(((await read.json()) as {documents: {_id: string}[]}).documents).toEqual([
      expect.objectContaining({_id: 'kept'}),
    ])
    again.child.kill('SIGTERM')
    expect(await exitOrTimeout(again)).toEqual({code: 0, signal: null})
  },
  240_000,
)

test.runIf(process.platform === 'linux').each(['SIGINT', 'SIGTERM'] as const)(
  '%s to the command (Ctrl-C: to its process group) stops the lake cleanly, exit code 0',
  async (signal) => {
    // Only the close ends this lake, however loaded the machine (a close past the 1.5 s limit
    // is ended by the signal, the first test's case).
    const command = await startCommand(await folder(), {LAKE_STOP_LIMIT_MS: '600000'})
    // Ctrl-C at a terminal signals the foreground process group; a service manager the process.
    process.kill(signal === 'SIGINT' ? -command.child.pid! : command.child.pid!, signal)
    expect(await exitOrTimeout(command)).toEqual({code: 0, signal: null})
    expect(command.stdout().match(/Stopping the lake/g)).toHaveLength(1)
    expect(command.stderr()).toBe('')
    expect(gone(command.lakePid)).toBe(true)
  },
  240_000,
)

test.runIf(process.platform === 'linux')(
  'a signal the moment the lake says it is ready (Ctrl-C on a loaded machine) stops it cleanly, exit code 0',
  async () => {
    const child = spawnCommand(await folder(), {LAKE_STOP_LIMIT_MS: '600000'}, SIGINT_ON_READY)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const ended = await new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({code, signal})),
    )
    // Before: the lake wrote its ready line before it listened for the stop's signals, so the
    // signal ended it by its default action ("the lake's process ended by SIGINT"), and the
    // command by SIGINT: the supervised SIGINT case's flake.
    expect(ended, stderr).toEqual({code: 0, signal: null})
    expect(stdout).toMatch(/^Studio and clients/m)
    expect(stdout.match(/Stopping the lake/g)).toHaveLength(1)
    expect(stderr).toBe('')
  },
  240_000,
)

test.runIf(process.platform === 'linux')(
  'a lake that crashes ends its command with a failure',
  async () => {
    const command = await startCommand(await folder())
    // The lake is a process of its own under the command (the one a signal to the command reaches).
    expect(command.lakePid).not.toBe(command.child.pid)
    process.kill(command.lakePid, 'SIGKILL')
    const ended = await exitOrTimeout(command)
    expect(ended).not.toBe('still running')
    expect(ended).not.toEqual({code: 0, signal: null})
    expect(command.stderr()).toMatch(/lake: the lake's process ended by SIGKILL/)
  },
  240_000,
)

test.runIf(process.platform === 'linux')(
  'a command killed outright (SIGKILL) does not leave its lake running: the lake stops cleanly',
  async () => {
    const command = await startCommand(await folder(), {LAKE_STOP_LIMIT_MS: '600000'})
    expect(command.lakePid).not.toBe(command.child.pid)
    command.child.kill('SIGKILL')
    await command.exited
    // The lake is no child of this process: wait for its process to go.
    await until(() => (gone(command.lakePid) ? true : undefined), 'the lake gone')
    expect(await portAnswers(command.port)).toBe(false)
    // It stopped as on SIGTERM (its output is still this test's pipe), not killed.
    await until(() => (command.stdout().includes('Stopping the lake') ? true : undefined))
  },
  240_000,
)

test.runIf(process.platform === 'linux')(
  "a command killed outright (SIGKILL) while its lake's event loop is held does not leave the lake serving",
  async () => {
    const command = await startCommand(await folder())
    process.kill(command.lakePid, 'SIGUSR2')
    await until(() => (command.stderr().includes('holding the event loop') ? true : undefined))
    const killed = performance.now()
    command.child.kill('SIGKILL')
    await command.exited
    // The hold is forever; the bound is generous for load but far short of any hold that matters.
    // Before: the lake watched its supervisor from its own (held) event loop and kept serving.
    // Its port closed, not only its main thread gone: a killed process's leader shows as a zombie
    // while its other threads are still ending, its files (the port) still open.
    const deadline = Date.now() + 10_000
    while (!gone(command.lakePid) || (await portAnswers(command.port))) {
      if (Date.now() > deadline)
        throw new Error('the lake still serving 10 s after its supervisor was killed')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    console.log(`supervisor killed to the lake gone: ${Math.round(performance.now() - killed)} ms`)
  },
  240_000,
)

test.runIf(process.platform === 'linux')(
  'a lake started by a program (kit/lakeProcess.ts, as npm run dev does) stops when that program is killed outright',
  async () => {
    const dataDir = await folder()
    const kit = new URL('../../../kit/lakeProcess.ts', import.meta.url).href
    const script = `
      const {startLakeProcess} = await import(${JSON.stringify(kit)})
      const lake = await startLakeProcess({dataDir: ${JSON.stringify(dataDir)}, tls: false, detached: true, timeoutMs: 120000})
      console.log('lake ' + lake.child.pid + ' ' + lake.port)
    `
    const starter = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: {...process.env, LAKE_STOP_LIMIT_MS: '600000'},
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    started.push(starter)
    let stdout = ''
    starter.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const [, pid, port] = await until(
      () => /^lake (\d+) (\d+)$/m.exec(stdout) ?? undefined,
      'listening',
      150_000,
    )
    const lakePid = Number(pid)
    // Its own process group (npm run dev's): the starter's end reaches it through nothing else.
    starter.kill('SIGKILL')
    // Before: the lake went on serving, its port taken, with nothing left to stop it.
    try {
      await until(() => (gone(lakePid) ? true : undefined), 'the lake gone')
    } finally {
      if (!gone(lakePid)) process.kill(lakePid, 'SIGKILL')
    }
    expect(await portAnswers(Number(port))).toBe(false)
  },
  180_000,
)

test.runIf(process.platform === 'linux')(
  'a second start on a data folder in use fails at once, naming the lake that holds it; a lake killed outright leaves no lock',
  async () => {
    const dataDir = await folder()
    const first = await startCommand(dataDir)
    // Before: a second lake started on the folder (port 0: another port), its clock, listeners
    // and revisions diverging from the first's.
    const second = await startCommand(dataDir).then(
      (command) => ({listening: command.port}),
      (error: Error) => ({refused: error.message}),
    )
    expect(second).toEqual({refused: expect.stringMatching(/^exited \(1\) before listening/)})
    const {refused} = second as {refused: string}
    expect(refused).toContain(
      `The data folder ${dataDir} is in use by the lake in process ${first.lakePid}`,
    )
    expect(refused).toContain(`http://127.0.0.1:${first.port}`)
    expect(refused).toContain(`kill ${first.child.pid}`)
    // A crash (SIGKILL: nothing of the lake runs to let go of anything): the next start works.
    process.kill(first.lakePid, 'SIGKILL')
    await first.exited
    // Only the close ends it, however loaded the machine (the first test's case is the limit's).
    const third = await startCommand(dataDir, {LAKE_STOP_LIMIT_MS: '600000'})
    third.child.kill('SIGTERM')
    expect(await exitOrTimeout(third)).toEqual({code: 0, signal: null})
  },
  240_000,
)

/**
 * Starts the lake in its own process (bench/lake-process.ts), so client and server never share
 * an event loop.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const LAKE_PROCESS = fileURLToPath(new URL('./lake-process.ts', import.meta.url))

export type LakeProcess = {url: string; token: string; child: ChildProcess; stop(): Promise<void>}

export async function startLake(dataDir: string): Promise<LakeProcess> {
  const child = spawn(process.execPath, [LAKE_PROCESS, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const end = buffer.indexOf('\n')
      if (end !== -1) resolve(buffer.slice(0, end))
    })
    child.once('exit', (code) => reject(new Error(`lake process exited early (${code})`)))
  })
  const {url, token} = JSON.parse(line) as {url: string; token: string}
  return {
    url,
    token,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** Test helpers for the command-line tools: captured I/O (kit/cli.ts's Io) and the repository's paths. */
import {join} from 'node:path'
import type {Env, Io} from '../../kit/cli.ts'

export const REPO_ROOT = join(import.meta.dirname, '../..')
export const SEED_FILE = join(REPO_ROOT, 'data/seed/000_6a6c5dd935f09d3d.txt')

export type CapturedIo = Io & {out(): string; err(): string}

/** I/O that records stdout and stderr; the working directory is the repository. */
export function captureIo(options: {env: Env; now?: Date; tty?: boolean}): CapturedIo {
  let out = ''
  let err = ''
  return {
    stdout: {write: (chunk: string) => (out += chunk), isTTY: options.tty ?? false},
    stderr: {write: (chunk: string) => (err += chunk), isTTY: false},
    env: options.env,
    cwd: REPO_ROOT,
    now: () => options.now ?? new Date(),
    out: () => out,
    err: () => err,
  }
}

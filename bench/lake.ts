/**
 * The benchmarks' lake: `lake/cli.ts start` in its own process (kit/lakeProcess.ts), plain HTTP on
 * loopback, so its memory is measured apart from the benchmark's and client and server never share
 * an event loop.
 */
import {startLakeProcess, type LakeProcess} from '../kit/lakeProcess.ts'

/** `BENCH_CPU_PROF=<dir>`: each lake writes a V8 CPU profile there when it stops. */
const profileDir = process.env.BENCH_CPU_PROF

export function startLake(dataDir: string, args: readonly string[] = []): Promise<LakeProcess> {
  return startLakeProcess({
    dataDir,
    args,
    nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    tls: false,
    // A throwaway administrator for the throwaway data folder.
    env: {
      ...process.env,
      LAKE_ADMIN_EMAIL: 'bench@localhost',
      LAKE_ADMIN_PASSWORD: 'bench-password-not-secret',
    },
  })
}

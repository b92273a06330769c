/**
 * The benchmarks' lake: `lake/cli.ts start` in its own process (kit/lakeProcess.ts), plain HTTP on
 * loopback, so its memory is measured apart from the benchmark's and client and server never share
 * an event loop.
 */
import {startLakeProcess, type LakeProcess} from '../kit/lakeProcess.ts'

export function startLake(dataDir: string, args: readonly string[] = []): Promise<LakeProcess> {
  return startLakeProcess({
    dataDir,
    args,
    tls: false,
    // A throwaway administrator for the throwaway data folder.
    env: {
      ...process.env,
      LAKE_ADMIN_EMAIL: 'bench@localhost',
      LAKE_ADMIN_PASSWORD: 'bench-password-not-secret',
    },
  })
}

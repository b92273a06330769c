/**
 * `npm run lake -- [command] [options]`. Each command lives in lake/cli/<name>.ts and exports
 * `command` (kit/cli.ts), so tests run it in-process. Without a command, `start` runs.
 */
import {commandGroup, runMain} from '../kit/cli.ts'
import {saveCompileCache, startWithCompileCache, useCompileCache} from '../kit/compileCache.ts'
import {startWithMallocSettings} from '../kit/lakeFlags.ts'
import {STOP_LIMIT_MS, stopLimitMs, stopWithParent} from './cli/stopping.ts'
import {startsUnsupervised, superviseLake} from './cli/supervisor.ts'

export const lakeCommand = commandGroup({
  invocation: 'npm run lake --',
  intro: `Usage: npm run lake -- [command] [options]

The local Content Lake and its administration. Examples:
  npm run lake                                  # start it on https://localhost:3334 (data in .lake/)
  npm run lake -- users add --email rina@example.com --role editor
  eval "$(npm run -s lake -- env --export)"     # a shell whose programs reach the lake

Exit codes: 0 done · 1 the command failed (each command's help says when) · 2 bad arguments or an unknown command`,
  commands: {
    start: {
      summary: 'Start the lake in the foreground (Ctrl-C stops it cleanly)',
      load: async () => (await import('./cli/start.ts')).command,
    },
    env: {
      summary: 'Print SANITY_STUDIO_API_HOST, SANITY_API_TOKEN, NODE_EXTRA_CA_CERTS for a shell',
      load: async () => (await import('./cli/env.ts')).command,
    },
    trust: {
      summary: "Trust the lake's certificate authority (system, Chromium and Firefox stores)",
      load: async () => (await import('./cli/trust.ts')).command,
    },
    users: {
      summary: 'Manage sign-in accounts: users add|list|remove|password',
      load: async () => (await import('./cli/users.ts')).command,
    },
    tokens: {
      summary: 'Manage API tokens: tokens create|list|revoke',
      load: async () => (await import('./cli/tokens.ts')).command,
    },
    datasets: {
      summary: 'Datasets: datasets visibility NAME [public|private], datasets delete NAME',
      load: async () => (await import('./cli/datasets.ts')).command,
    },
  },
  fallback: 'start',
})

if (import.meta.main) {
  const argv = process.argv.slice(2)
  // `npm run lake` (start): the lake runs in a child, so that a signal stops it whatever its event
  // loop is doing (lake/cli/supervisor.ts says why).
  if (startsUnsupervised(argv, process.env)) {
    // Its modules from the compile cache, without Node's type stripper; the lake's too, as it
    // inherits the environment.
    startWithCompileCache()
    superviseLake(argv, process.env)
    saveCompileCache()
  } else await runLake()
}

async function runLake(): Promise<void> {
  // glibc's malloc settings are read only as a process starts: without them, it starts again.
  startWithMallocSettings()
  // Its supervisor or npm's shell gone: it stops, by SIGKILL at the stop limit if its loop is held.
  stopWithParent(process.env, parentGoneLimitMs(process.env))
  // Before the command's modules load, so the lake's threads find them all in the cache.
  useCompileCache()
  // The process is the lake's own: a rejection nobody handled is logged and the lake goes on
  // serving (docs/architecture.md, Failures, says why). Here only: an embedded lake (createLake)
  // leaves its host's process alone.
  process.on('unhandledRejection', (reason) => {
    const said = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)
    console.error(`lake: a failure nobody handled (a bug; the lake goes on serving): ${said}`)
  })
  await runMain(lakeCommand, 'lake')
}

/** The stop limit; a value the start refuses (usage message, exit code 2) counts as the default. */
function parentGoneLimitMs(env: NodeJS.ProcessEnv): number {
  try {
    return stopLimitMs(env)
  } catch {
    return STOP_LIMIT_MS
  }
}

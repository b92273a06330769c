/**
 * Runs a lake in its own process for the benchmarks, so its memory can be measured apart from the
 * benchmark's, and client and server do not share an event loop. Prints `{url, token}` as one JSON
 * line when ready; SIGTERM closes the lake cleanly.
 *
 * Usage: node bench/lake-process.ts <data folder>
 */
import {startLakeServer} from '../lake/server.ts'

const dataDir = process.argv[2]
if (!dataDir) {
  console.error('usage: node bench/lake-process.ts <data folder>')
  process.exit(2)
}

const server = await startLakeServer({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  tls: false,
  // A throwaway administrator for the throwaway data folder.
  env: {LAKE_ADMIN_EMAIL: 'bench@localhost', LAKE_ADMIN_PASSWORD: 'bench-password-not-secret'},
})
const token = server.lake.auth?.token
if (!token) throw new Error('the lake did not create a scripts token')
process.stdout.write(`${JSON.stringify({url: server.url, token})}\n`)

process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0))
})

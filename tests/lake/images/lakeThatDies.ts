/**
 * A lake process over plain HTTP whose commit thread is commitThreadDies.ts (`lake start` takes
 * no commit thread module). Usage: `node lakeThatDies.ts <data folder>`; prints
 * `Lake listening on <url>` once it answers, as `lake start` does.
 */
import {startLakeServer} from '../../../lake/server.ts'

const server = await startLakeServer({
  dataDir: process.argv[2]!,
  port: 0,
  tls: false,
  commitWorker: new URL('./commitThreadDies.ts', import.meta.url).href,
})
console.log(`Lake listening on ${server.url}`)

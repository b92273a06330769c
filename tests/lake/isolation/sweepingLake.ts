/**
 * A lake process over plain HTTP (`lake start --no-tls`, as lakeProcess.ts runs it) that sweeps
 * dataset `test`'s asset files when told: `node sweepingLake.ts <data folder>` prints
 * `Lake listening on <url>` once its start-up sweep is done, then, for each `sweep` line on its
 * standard input, `swept <n>` when a sweep ends (assetSweep.test.ts).
 */
import {startLakeServer} from '../../../lake/server.ts'

const server = await startLakeServer({dataDir: process.argv[2]!, port: 0, tls: false})
await server.lake.assetSweep
console.log(`Lake listening on ${server.url}`)
process.stdin.setEncoding('utf8')
process.stdin.on('data', (text: string) => {
  for (const line of text.split('\n')) {
    if (line.trim() !== 'sweep') continue
    void server.lake.sweepAssets('test').then((n) => console.log(`swept ${n}`))
  }
})

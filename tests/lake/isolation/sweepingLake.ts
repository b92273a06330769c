/**
 * A lake process that sweeps dataset `test`'s asset files when told (assetSweep.test.ts), started
 * by startLakeProcess with `script` and `tls: false`: it prints `Lake listening on <url>` once its
 * start-up sweep is done, then, for each SIGUSR2, `swept <n>` when a sweep ends.
 */
import {startScriptedLake} from '../../helpers/lakeScript.ts'

await startScriptedLake({}, async (server) => {
  await server.lake.assetSweep
  process.on('SIGUSR2', () => {
    void server.lake.sweepAssets('test').then((n) => console.log(`swept ${n}`))
  })
})

/**
 * A lake process whose search analyzer waits while a gate file exists (analyzerHeld.ts; `lake
 * start` takes no analyzer module), started by startLakeProcess with `script` and `tls: false`
 * (bulkLoadIndex.test.ts).
 */
import {startScriptedLake} from '../../helpers/lakeScript.ts'

await startScriptedLake({
  analyzerWorker: new URL('./analyzerHeld.ts', import.meta.url).href,
  // The deadline is not what the test checks: a search over 5,000 queued documents passed the
  // default 10 s at load 25.
  queryTimeoutMs: 120_000,
})

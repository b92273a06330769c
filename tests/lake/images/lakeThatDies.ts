/**
 * A lake process whose commit thread is commitThreadDies.ts (`lake start` takes no commit thread
 * module), started by startLakeProcess with `script` and `tls: false` (afterKill.test.ts).
 */
import {startScriptedLake} from '../../helpers/lakeScript.ts'

await startScriptedLake({commitWorker: new URL('./commitThreadDies.ts', import.meta.url).href})

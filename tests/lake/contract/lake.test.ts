import {describeLakeContract} from './describeLakeContract.ts'
import {localTarget} from './target.ts'

describeLakeContract('lake contract: local lake over HTTP', localTarget)

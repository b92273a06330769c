import {CONTRACT_AREAS, describeLakeContract, type ContractArea} from './describeLakeContract.ts'
import {httpsTarget, inProcessTarget} from './target.ts'

const OVER_HTTPS: ContractArea[] = ['export and import']
const IN_PROCESS = (Object.keys(CONTRACT_AREAS) as ContractArea[]).filter(
  (area) => !OVER_HTTPS.includes(area),
)

describeLakeContract('lake contract: local lake in-process', inProcessTarget, IN_PROCESS)
describeLakeContract('lake contract: local lake over HTTPS', httpsTarget, OVER_HTTPS)

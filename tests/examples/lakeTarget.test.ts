/**
 * `npm run example`'s lake: it reads the shell `eval "$(npm run -s lake -- env --export …)"`
 * prepares: it read only LAKE_PORT, LAKE_DATA and its flags, and looked in ./.lake. Its origin
 * warning is tested with the lake's CORS (tests/lake/studio/cors.test.ts).
 */
import {describe, expect, it} from 'vitest'
import {exampleTarget} from '../../examples/front-page/lakeTarget.ts'

describe("the example's lake and data folder", () => {
  it('follows the shell env --export prepares', () => {
    const shell = {
      SANITY_STUDIO_API_HOST: 'https://localhost:5334',
      NODE_EXTRA_CA_CERTS: '/srv/demo-lake/tls/ca.pem',
      LAKE_DATA: '/srv/demo-lake',
    }
    expect(exampleTarget({}, shell)).toEqual({
      apiHost: 'https://localhost:5334',
      dataDir: '/srv/demo-lake',
      caPath: '/srv/demo-lake/tls/ca.pem',
    })
    // A shell prepared before env printed LAKE_DATA: the CA's folder is the lake's.
    const {LAKE_DATA: _, ...older} = shell
    expect(exampleTarget({}, older).dataDir).toBe('/srv/demo-lake')
  })

  it('lets the flags win, and defaults to the lake on 3334 in .lake', () => {
    const shell = {SANITY_STUDIO_API_HOST: 'https://localhost:5334', LAKE_DATA: '/srv/demo-lake'}
    expect(exampleTarget({lakePort: '4334', data: '.lake-demo'}, shell)).toEqual({
      apiHost: 'https://localhost:4334',
      dataDir: '.lake-demo',
      caPath: '.lake-demo/tls/ca.pem',
    })
    expect(exampleTarget({}, {LAKE_PORT: '4444'}).apiHost).toBe('https://localhost:4444')
    expect(exampleTarget({}, {})).toEqual({
      apiHost: 'https://localhost:3334',
      dataDir: '.lake',
      caPath: '.lake/tls/ca.pem',
    })
  })
})

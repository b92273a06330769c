// Ports and paths shared by the Playwright config, the global setup and the fixtures. The ports
// differ from `npm run dev` (3333/3334) so a developer's running Studio does not get in the way,
// and lie below Linux's ephemeral range (32768-60999), which any listener on port 0 (every test
// lake, the bench's) and any outgoing connection may be given.
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {LOCAL_LAKE} from '../../../kit/localLake.ts'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const BIN = join(ROOT, 'node_modules', '.bin')

export const LAKE_PORT = Number(process.env.E2E_LAKE_PORT ?? 23334)
export const STUDIO_PORT = Number(process.env.E2E_STUDIO_PORT ?? 23333)
export const STUDIO_URL = `http://localhost:${STUDIO_PORT}`
/** The example front page (examples/front-page), allowed by the e2e lake's CORS origins. */
export const FRONT_PAGE_PORT = Number(process.env.E2E_FRONT_PAGE_PORT ?? 23400)
export const FRONT_PAGE_URL = `http://localhost:${FRONT_PAGE_PORT}`
/** What the Studio is built with; its client then calls https://local.localhost:<port>. */
export const LAKE_URL = `https://localhost:${LAKE_PORT}`
export const PROJECT_ID = LOCAL_LAKE.projectId
export const DATASET = LOCAL_LAKE.dataset

/** Accounts in every test's lake (created once in the template data folder). */
export const USERS = {
  admin: {email: 'admin@localhost', password: 'e2e-admin-pässwörd-১২৩', name: 'Admin'},
  editor: {email: 'rina@localhost', password: 'e2e-editor-password-1', name: 'রিনা আক্তার'},
  viewer: {email: 'viewer@localhost', password: 'e2e-viewer-password-1', name: 'Viewer'},
} as const
export type UserName = keyof typeof USERS

/** Where the global setup leaves what the workers need (set as environment variables). */
export const ENV_TEMPLATE_DIR = 'E2E_LAKE_TEMPLATE_DIR'
export const ENV_SPKI = 'E2E_LAKE_SPKI'

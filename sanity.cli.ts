// Sanity CLI config: the same target as the Studio (see sanity.config.ts), plus TypeGen.
import {defineCliConfig} from 'sanity/cli'
import {offlineIndexHtml} from './studio/offline/indexHtml.ts'
import {resolveStudioTarget} from './studio/target.ts'

const target = resolveStudioTarget({
  projectId: process.env.SANITY_STUDIO_PROJECT_ID,
  dataset: process.env.SANITY_STUDIO_DATASET,
})

export default defineCliConfig({
  api: {projectId: target.projectId, dataset: target.dataset},
  deployment: {autoUpdates: false},
  // On the local lake the page loads nothing from Sanity's servers (no Inter, no bridge.js).
  ...(target.kind === 'local'
    ? {vite: (config) => ({...config, plugins: [...(config.plugins ?? []), offlineIndexHtml()]})}
    : {}),
  schemaExtraction: {path: 'schema.json'},
  typegen: {
    path: './queries/**/*.ts',
    schema: 'schema.json',
    generates: './sanity.types.ts',
    overloadClientMethods: true,
  },
})

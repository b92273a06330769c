// Sanity CLI config: the same target as the Studio (see sanity.config.ts), plus TypeGen.
import {defineCliConfig} from 'sanity/cli'

export default defineCliConfig({
  api: {
    projectId: process.env.SANITY_STUDIO_PROJECT_ID || 'local',
    dataset: process.env.SANITY_STUDIO_DATASET || 'production',
  },
  deployment: {autoUpdates: false},
  schemaExtraction: {path: 'schema.json'},
  typegen: {
    path: './queries/**/*.ts',
    schema: 'schema.json',
    generates: './sanity.types.ts',
    overloadClientMethods: true,
  },
})

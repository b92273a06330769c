// The one Studio workspace. It joins schemas/ and studio/ (the only file that does) and picks its
// target from the environment: the local lake by default, a hosted project with SANITY_STUDIO_PROJECT_ID.
import {visionTool} from '@sanity/vision'
import {defineConfig, type WorkspaceOptions} from 'sanity'
import {structureTool} from 'sanity/structure'
import {schemaTypes} from './schemas/index.ts'
import {NfcFormInput} from './studio/components/BengaliTextInput.tsx'
import {NavbarWithLanguageSwitch} from './studio/components/LanguageSwitch.tsx'
import {LayoutWithDeskLoading} from './studio/components/ToolLoading.tsx'
import {bn} from './studio/locale/bn.ts'
import {bnBDLocale} from './studio/locale/bn-BD/index.ts'
import {answerHostedCallsLocally} from './studio/offline/hostedCalls.ts'
import {structure} from './studio/structure.ts'
import {resolveStudioTarget} from './studio/target.ts'
import {theme} from './studio/theme.ts'

/** The API version Vision starts with (the Studio's own clients pick theirs). */
export const VISION_API_VERSION = '2025-02-19'

// Vite replaces each `process.env.SANITY_STUDIO_*` at build time, so read them one by one.
const target = resolveStudioTarget({
  projectId: process.env.SANITY_STUDIO_PROJECT_ID,
  dataset: process.env.SANITY_STUDIO_DATASET,
  apiHost: process.env.SANITY_STUDIO_API_HOST,
})

// Offline: the version check and the feedback probe are answered in the browser (see hostedCalls).
if (target.kind === 'local') answerHostedCallsLocally()

// What the local lake does not offer, switched off so the Studio neither calls nor shows it.
const localLakeOptions: Partial<WorkspaceOptions> = {
  // Sanity product announcements come from Sanity's own servers.
  announcements: {enabled: false},
  // Tasks live in a separate Sanity addon dataset.
  tasks: {enabled: false},
  // Scheduled publishing and scheduled drafts need the hosted scheduling service (`schedules`).
  scheduledPublishing: {enabled: false},
  scheduledDrafts: {enabled: false},
  // Content releases need `versions.*` documents and release actions the lake does not implement.
  releases: {enabled: false},
  // The Media Library is a hosted Sanity product.
  mediaLibrary: {enabled: false},
  // Document history through the lake's Events API (`data/history/…/events/documents`); release
  // activity needs release events, which the lake does not keep (releases are off above).
  beta: {eventsAPI: {documents: true, releases: false}},
  document: {
    // Comments live in a separate addon dataset.
    comments: {enabled: false},
    // "Ask to edit" sends role requests to Sanity's access service; on the lake an administrator
    // changes roles with `npm run lake -- users add --role …` instead.
    askToEdit: {enabled: false},
  },
}

export default defineConfig({
  name: 'default',
  title: bn.studioTitle,
  basePath: '/',
  projectId: target.projectId,
  dataset: target.dataset,
  ...(target.kind === 'local'
    ? {
        apiHost: target.apiHost,
        // Tokens in localStorage: the lake's sign-in page hands back `#sid=…` like Sanity's.
        // One provider (the lake's own sign-in page, in Bengali): go straight there.
        auth: {loginMethod: 'token', apiHost: target.apiHost, redirectOnSingle: true},
        ...localLakeOptions,
      }
    : {}),
  theme,
  plugins: [
    // The desk, in the newsroom's word; its URL stays /structure.
    structureTool({structure, title: 'ডেস্ক'}),
    visionTool({defaultApiVersion: VISION_API_VERSION, defaultDataset: target.dataset}),
    // Last, so the Studio starts in Bengali; English stays in the language switch.
    bnBDLocale(),
  ],
  studio: {components: {navbar: NavbarWithLanguageSwitch, layout: LayoutWithDeskLoading}},
  schema: {types: schemaTypes},
  form: {components: {input: NfcFormInput}},
})

import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {NextConfig} from 'next'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

const config: NextConfig = {
  // The typed GROQ queries live in the repository's queries/ folder, outside this app.
  turbopack: {root},
  outputFileTracingRoot: root,
  // Images come from the lake's image pipeline (or Sanity's CDN): no optimisation proxy needed.
  images: {unoptimized: true},
}

export default config

// Once per run: build (or reuse) the Studio bundle and serve it, and prepare a template lake data
// folder (certificate, accounts, imported seed) that every test copies into a fresh folder.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ENV_SPKI, ENV_TEMPLATE_DIR, LAKE_PORT, ROOT, STUDIO_URL, USERS} from './support/config.ts'
import {lakeCli, lakeEnv, spkiHash, startLake} from './support/lake.ts'
import {buildStudio, serveStudio} from './support/studio.ts'

async function portAnswers(url: string): Promise<boolean> {
  return fetch(url, {signal: AbortSignal.timeout(2000)})
    .then(() => true)
    .catch((error: Error) => !/ECONNREFUSED/.test(String(error.cause)))
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  for (const url of [STUDIO_URL, `https://localhost:${LAKE_PORT}/`]) {
    if (await portAnswers(url)) {
      throw new Error(
        `${url} is already in use (another e2e run?). Set E2E_STUDIO_PORT / E2E_LAKE_PORT.`,
      )
    }
  }
  const templateDir = mkdtempSync(join(tmpdir(), 'e2e-lake-template-'))
  const cleanup: (() => Promise<void> | void)[] = [
    () => rmSync(templateDir, {recursive: true, force: true}),
    () => rmSync(`${templateDir}.log`, {force: true}),
  ]
  const teardown = async () => {
    for (const step of cleanup.reverse()) await step()
  }
  try {
    // Build first: the template lake would otherwise sit idle on the port meanwhile.
    const build = await buildStudio()
    console.log(
      build.cached
        ? '[e2e] Studio bundle unchanged, reusing it'
        : `[e2e] sanity build: ${(build.ms / 1000).toFixed(1)} s`,
    )
    const studio = await serveStudio(build.dir)
    cleanup.push(() => studio.stop())

    const started = Date.now()
    const lake = await startLake(templateDir, {
      LAKE_ADMIN_EMAIL: USERS.admin.email,
      LAKE_ADMIN_PASSWORD: USERS.admin.password,
    })
    try {
      for (const [role, user] of [
        ['editor', USERS.editor],
        ['viewer', USERS.viewer],
      ] as const) {
        lakeCli([
          'users',
          'add',
          '--email',
          user.email,
          '--role',
          role,
          '--name',
          user.name,
          '--password',
          user.password,
          '--data',
          templateDir,
        ])
      }
      const imported = spawnSync(process.execPath, ['scripts/import.ts', '--as-of', '2025-07-20'], {
        cwd: ROOT,
        env: {...process.env, ...lakeEnv(templateDir)},
        encoding: 'utf8',
      })
      if (imported.status !== 0) {
        throw new Error(`npm run import failed:\n${imported.stdout}\n${imported.stderr}`)
      }
    } finally {
      await lake.stop()
    }
    console.log(`[e2e] template lake (accounts + seed): ${Date.now() - started} ms`)
    process.env[ENV_TEMPLATE_DIR] = templateDir
    process.env[ENV_SPKI] = spkiHash(templateDir)
    // Node clients in the workers (and what they spawn) trust the lake's CA, and only that.
    process.env.NODE_EXTRA_CA_CERTS = join(templateDir, 'tls', 'ca.pem')
  } catch (error) {
    await teardown()
    throw error
  }
  return teardown
}

/**
 * What the lake keeps on disk and puts in documents (issue 10, items 9, 10 and 14): an owner-only
 * data folder (older folders tightened on start), asset URLs that a caller's Host header cannot
 * choose, and a certificate authority that can sign only for this machine.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {request as httpsRequest} from 'node:https'
import {connect as tlsConnect, createServer} from 'node:tls'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ensureTls} from '../../../lake/tls/certificates.ts'
import {createLake} from '../../../lake/index.ts'
import {ForeignDataFolderError} from '../../../lake/auth/dataFolder.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {savedToken, saveToken} from '../../../examples/front-page/viewerToken.ts'

/** Every path under `dir` with its permission bits. */
function modes(dir: string): {path: string; mode: number; folder: boolean}[] {
  const out = [{path: '.', mode: statSync(dir).mode & 0o777, folder: true}]
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), {withFileTypes: true})) {
      const path = join(rel, entry.name)
      const mode = statSync(join(dir, path)).mode & 0o777
      out.push({path, mode, folder: entry.isDirectory()})
      if (entry.isDirectory()) walk(path)
    }
  }
  walk('.')
  return out
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

/** A project's folder (or a home folder) given as the data folder by mistake. */
function projectFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lake-project-'))
  chmodSync(dir, 0o755)
  writeFileSync(join(dir, 'package.json'), '{}', {mode: 0o644})
  mkdirSync(join(dir, 'node_modules', '.bin'), {recursive: true, mode: 0o755})
  writeFileSync(join(dir, 'node_modules', '.bin', 'tool'), '#!/bin/sh\n', {mode: 0o755})
  return dir
}

describe("a folder that is not the lake's (`--data .`, a home folder)", () => {
  // On main createLake made every file under it 0600 and every folder 0700: a project's
  // node_modules lost its binaries' execute bits (through their hard links elsewhere too).
  it('is refused before anything in it is changed or written', async () => {
    const dir = projectFolder()
    try {
      const before = modes(dir)
      const made = createLake({dataDir: dir, principals: {principalForToken: async () => null}})
      await expect(made).rejects.toThrow(ForeignDataFolderError)
      await expect(made).rejects.toThrow(
        /holds entries the lake did not make \(node_modules, package\.json\)/,
      )
      expect(modes(dir)).toEqual(before)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it("is a lake's when it holds only what a lake makes, or nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-own-'))
    try {
      mkdirSync(join(dir, 'datasets'))
      writeFileSync(join(dir, 'auth.sqlite-wal'), '')
      writeFileSync(join(dir, 'token'), 'x\n', {mode: 0o644})
      const lake = await createLake({
        dataDir: dir,
        principals: {principalForToken: async () => null},
      })
      await lake.close()
      expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  // The lake knows no example: on main (d20ebd0) it took `npm run example`'s token file, kept in
  // the data folder, for one of its own entries.
  it("is refused with a file the lake did not make, an example's token among them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-example-'))
    try {
      writeFileSync(join(dir, 'token'), 'x\n', {mode: 0o600})
      writeFileSync(join(dir, 'front-page-example.token'), 'y\n', {mode: 0o644})
      await expect(
        createLake({dataDir: dir, principals: {principalForToken: async () => null}}),
      ).rejects.toThrow(ForeignDataFolderError)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  // What d20ebd0 fixed stays fixed: after `npm run example` saved its viewer token, a lake starts
  // on that folder again, for the token is kept in the example's folder, by data folder.
  it('starts again after the example front page saved its viewer token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-example-'))
    const example = mkdtempSync(join(tmpdir(), 'example-'))
    const file = join(example, '.viewer-tokens.json')
    try {
      writeFileSync(join(dir, 'token'), 'x\n', {mode: 0o600})
      saveToken(dir, 'y', file)
      const lake = await createLake({
        dataDir: dir,
        principals: {principalForToken: async () => null},
      })
      await lake.close()
      expect(savedToken(dir, file)).toBe('y')
      expect(savedToken(join(dir, 'other'), file)).toBeUndefined()
      expect(statSync(file).mode & 0o777).toBe(0o600)
    } finally {
      rmSync(dir, {recursive: true, force: true})
      rmSync(example, {recursive: true, force: true})
    }
  })
})

describe('the data folder (item 9)', () => {
  let lake: TestLake
  let dataDir: string

  beforeAll(async () => {
    // A folder as an older lake (or a generous umask) left it: 0755 with 0644 files.
    dataDir = mkdtempSync(join(tmpdir(), 'lake-modes-'))
    chmodSync(dataDir, 0o755)
    mkdirSync(join(dataDir, 'datasets'), {mode: 0o755})
    writeFileSync(join(dataDir, 'datasets', 'old.sqlite'), '', {mode: 0o644})
    chmodSync(join(dataDir, 'datasets'), 0o755)
    lake = await startTestLake({dataDir})
    await lake.client().createOrReplace({_id: 'modes', _type: 'article', title: 'অনুমতি'})
    const upload = await fetch(`${lake.url}/v2025-02-19/assets/images/test?filename=dot.png`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'image/png'},
      body: PNG,
    })
    expect(upload.status).toBe(200)
  })

  afterAll(async () => {
    await lake?.close()
  })

  it('is 0700 with every folder 0700 and every file 0600, the -wal and -shm files too', () => {
    const entries = modes(dataDir)
    const names = entries.map((entry) => entry.path)
    expect(names).toEqual(
      expect.arrayContaining(['auth.sqlite', 'token', 'datasets/test.sqlite-wal', 'tls/ca.pem']),
    )
    expect(names.some((name) => name.startsWith('assets/') && name.endsWith('.png'))).toBe(true)
    const wrong = entries.filter((entry) => entry.mode !== (entry.folder ? 0o700 : 0o600))
    expect(wrong).toEqual([])
  })
})

describe('asset URLs (item 10)', () => {
  let lake: TestLake

  beforeAll(async () => {
    lake = await startTestLake()
  })

  afterAll(async () => {
    await lake?.close()
  })

  /** Uploads with a forged Host header (node:https lets a test set it; browsers cannot). */
  function uploadWithHost(host: string, body: Buffer): Promise<{status: number; url: string}> {
    const target = new URL(`${lake.url}/v2025-02-19/assets/files/test?filename=note.txt`)
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        target,
        {
          method: 'POST',
          // TLS still names the host the certificate covers; only the HTTP Host header lies.
          servername: 'localhost',
          headers: {
            host,
            authorization: `Bearer ${lake.token}`,
            'content-type': 'text/plain',
          },
        },
        (res) => {
          let text = ''
          res.on('data', (chunk) => (text += chunk))
          res.on('end', () =>
            resolve({status: res.statusCode!, url: JSON.parse(text).document?.url ?? ''}),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  it('never names the host a caller sent, so nobody can fix a foreign URL for everyone', async () => {
    const port = new URL(lake.url).port
    const first = await uploadWithHost('evil.example', Buffer.from('একই বাইট'))
    expect(first.status).toBe(200)
    expect(new URL(first.url).host).toBe(`localhost:${port}`)
    // The same bytes again, from the right host: the stored document is returned as it is.
    const again = await uploadWithHost(`localhost:${port}`, Buffer.from('একই বাইট'))
    expect(again.url).toBe(first.url)
  })

  it('keeps the project subdomain out and loopback names in', async () => {
    const port = new URL(lake.url).port
    const upload = await uploadWithHost(`local.localhost:${port}`, Buffer.from('অন্য বাইট'))
    expect(new URL(upload.url).host).toBe(`localhost:${port}`)
    const ip = await uploadWithHost(`127.0.0.1:${port}`, Buffer.from('আরও বাইট'))
    expect(new URL(ip.url).host).toBe(`127.0.0.1:${port}`)
  })
})

describe('the certificate authority (item 14)', () => {
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lake-ca-'))
  })

  afterAll(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  const algorithm = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'}

  /** A server certificate for `name`, signed with the lake CA's own key (as a thief could). */
  async function leafFor(name: string): Promise<{cert: string; key: string}> {
    const tls = await ensureTls(dir)
    const ca = new x509.X509Certificate(tls.ca)
    const caKey = await crypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(readFileSync(tls.files.caKeyPath, 'utf8')),
      algorithm,
      false,
      ['sign'],
    )
    const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: `CN=${name}`,
      issuer: ca.subject,
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: algorithm,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{type: 'dns', value: name}]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    })
    const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey)
    return {cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}
  }

  /** Connects to a TLS server with `cert` as `name`, trusting only the lake's CA. */
  async function handshake(name: string, leaf: {cert: string; key: string}): Promise<string> {
    const {ca} = await ensureTls(dir)
    const server = createServer({cert: leaf.cert, key: leaf.key}, (socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    try {
      return await new Promise<string>((resolve) => {
        const socket = tlsConnect({port, host: '127.0.0.1', servername: name, ca: [ca]}, () => {
          socket.end()
          resolve('ok')
        })
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code}: ${err.message}`))
      })
    } finally {
      server.close()
    }
  }

  it('is constrained to localhost and the loopback addresses', async () => {
    const {ca} = await ensureTls(dir)
    const constraints = new x509.X509Certificate(ca).getExtension('2.5.29.30')
    expect(constraints?.critical).toBe(true)
  })

  it('cannot vouch for another site even with its key, but does for localhost names', async () => {
    expect(await handshake('bank.example', await leafFor('bank.example'))).toMatch(/subtree/i)
    expect(await handshake('local.localhost', await leafFor('local.localhost'))).toBe('ok')
  })
})

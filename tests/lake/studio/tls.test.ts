/**
 * The lake's certificate authority and localhost certificate: names, key file modes, reuse and
 * renewal, and the HTTPS listener speaking HTTP/2 (ALPN h2) and HTTP/1.1 with them.
 */
import {X509Certificate} from 'node:crypto'
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {connect} from 'node:http2'
import {get} from 'node:https'
import {tmpdir} from 'node:os'
import {getCACertificates} from 'node:tls'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ensureTls, subjectAltNames} from '../../../lake/tls/certificates.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const DAY = 24 * 60 * 60 * 1000

describe('certificates', () => {
  const dirs: string[] = []
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-tls-'))
    dirs.push(dir)
    return dir
  }
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, {recursive: true, force: true})
  })

  it('covers localhost, local.localhost, *.localhost, 127.0.0.1 and ::1, signed by the CA', async () => {
    const {ca, cert} = await ensureTls(freshDir())
    expect(subjectAltNames(cert)).toEqual([
      'DNS:localhost',
      'DNS:local.localhost',
      'DNS:*.localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
    ])
    const leaf = new X509Certificate(cert)
    const authority = new X509Certificate(ca)
    expect(authority.ca).toBe(true)
    expect(leaf.ca).toBe(false)
    expect(leaf.checkIssued(authority)).toBe(true)
    expect(leaf.verify(authority.publicKey)).toBe(true)
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1') // serverAuth
    expect(leaf.checkHost('local.localhost')).toBe('local.localhost')
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1')
  })

  it('keeps private keys readable only by the owner', async () => {
    const {files} = await ensureTls(freshDir())
    expect(statSync(files.keyPath).mode & 0o777).toBe(0o600)
    expect(statSync(files.caKeyPath).mode & 0o777).toBe(0o600)
    expect(statSync(files.caPath).mode & 0o777).toBe(0o600)
  })

  it('reuses the certificates on later starts', async () => {
    const dir = freshDir()
    const first = await ensureTls(dir)
    const second = await ensureTls(dir)
    expect(second.created).toEqual({ca: false, leaf: false})
    expect(second.cert).toBe(first.cert)
    expect(second.ca).toBe(first.ca)
  })

  it('renews an expiring leaf with the same CA, and an expiring CA with a new one', async () => {
    const dir = freshDir()
    const first = await ensureTls(dir)
    const leafNearEnd = new Date(Date.now() + 380 * DAY)
    const renewed = await ensureTls(dir, leafNearEnd)
    expect(renewed.created).toEqual({ca: false, leaf: true})
    expect(renewed.ca).toBe(first.ca)
    expect(new X509Certificate(renewed.cert).checkIssued(new X509Certificate(first.ca))).toBe(true)

    const caNearEnd = new Date(Date.now() + 3640 * DAY)
    const replaced = await ensureTls(dir, caNearEnd)
    expect(replaced.created).toEqual({ca: true, leaf: true})
    expect(replaced.ca).not.toBe(first.ca)
  })
})

describe('HTTPS listener', () => {
  let lake: TestLake
  beforeAll(async () => {
    lake = await startTestLake()
  })
  afterAll(async () => {
    await lake?.close()
  })

  it('serves HTTP/2 to clients that offer it (browsers), verified against the lake CA', async () => {
    const session = connect(lake.url)
    try {
      const {status, protocol, body} = await new Promise<{
        status: number
        protocol: string | undefined
        body: string
      }>((resolve, reject) => {
        session.on('error', reject)
        const stream = session.request({':path': '/v2025-03-01/ping'})
        let status = 0
        let body = ''
        stream.on('response', (headers) => (status = Number(headers[':status'])))
        stream.setEncoding('utf8')
        stream.on('data', (chunk: string) => (body += chunk))
        stream.on('end', () => resolve({status, protocol: session.alpnProtocol, body}))
        stream.on('error', reject)
        stream.end()
      })
      expect(protocol).toBe('h2')
      expect(status).toBe(200)
      expect(JSON.parse(body)).toEqual({ping: 'pong'})
    } finally {
      session.close()
    }
  })

  it('keeps more than six listeners open on one HTTP/2 connection, as the Studio does', async () => {
    const session = connect(lake.url)
    session.on('error', () => {})
    try {
      // Chromium allows six HTTP/1.1 connections per host; over h2 they are streams of one.
      const welcomes = Array.from({length: 8}, () => {
        const stream = session.request({
          ':path':
            '/v2025-02-19/data/listen/test?query=*%5B_type%3D%3D%22x%22%5D&includeResult=true',
          authorization: `Bearer ${lake.token}`,
        })
        stream.setEncoding('utf8')
        return new Promise<{stream: typeof stream; text: string}>((resolve, reject) => {
          let text = ''
          stream.on('data', (chunk: string) => {
            text += chunk
            if (text.includes('event: welcome')) resolve({stream, text})
          })
          stream.on('error', reject)
        })
      })
      const opened = await Promise.all(welcomes)
      expect(opened).toHaveLength(8)
      for (const {stream} of opened) stream.close()
    } finally {
      session.close()
    }
  })

  it('serves HTTP/1.1 to Node clients (node:https, fetch, @sanity/client)', async () => {
    const viaHttps = await new Promise<{version: string; status: number}>((resolve, reject) => {
      get(`${lake.url}/v2025-03-01/ping`, (res) => {
        res.resume()
        resolve({version: res.httpVersion, status: res.statusCode!})
      }).on('error', reject)
    })
    expect(viaHttps).toEqual({version: '1.1', status: 200})
    expect((await fetch(`${lake.url}/v2025-03-01/ping`)).status).toBe(200)
    expect(await lake.client().fetch('1 + 1')).toBe(2)
  })

  it('is refused by a client that trusts only the public CAs', async () => {
    const error = await new Promise<Error>((resolve) => {
      get(`${lake.url}/v2025-03-01/ping`, {ca: getCACertificates('bundled'), agent: false}, () =>
        resolve(new Error('connected')),
      ).on('error', resolve)
    })
    expect((error as NodeJS.ErrnoException).code).toMatch(
      /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/,
    )
  })
})

/**
 * The lake's own certificate authority and a localhost certificate signed by it, kept in
 * <dataDir>/tls/ (ca.pem, ca-key.pem, cert.pem, key.pem). Browsers speak HTTP/2 only over TLS, and
 * the Studio needs HTTP/2 (it keeps more server-sent-event streams open than HTTP/1.1 allows), so the
 * lake serves HTTPS by default. Trusting ca.pem once makes every later leaf certificate trusted.
 */
import {X509Certificate as NodeX509Certificate, randomBytes} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {LAKE_FILES} from '../../kit/localLake.ts'
// @peculiar/x509 (through tsyringe) needs the Reflect metadata API before it loads.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

// The global WebCrypto (typed by the DOM lib, which @peculiar/x509 expects).
const webcrypto = globalThis.crypto
x509.cryptoProvider.set(webcrypto)

/** Names the leaf certificate covers: the Studio calls `<projectId>.localhost` (project id `local`). */
export const LEAF_DNS_NAMES = ['localhost', 'local.localhost', '*.localhost']
export const LEAF_IP_ADDRESSES = ['127.0.0.1', '::1']

const DAY = 24 * 60 * 60 * 1000
/** Apple platforms refuse TLS leaf certificates valid longer than 825 days; stay well under. */
const LEAF_LIFETIME_DAYS = 397
const CA_LIFETIME_DAYS = 10 * 365
/** Renew a certificate this long before it expires. */
const RENEW_BEFORE_DAYS = 30

const ALGORITHM: EcKeyGenParams & EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
}

export interface TlsFiles {
  dir: string
  caPath: string
  caKeyPath: string
  certPath: string
  keyPath: string
}

export interface TlsMaterial {
  files: TlsFiles
  ca: string
  cert: string
  key: string
  /** What happened on this call, for the start-up message. */
  created: {ca: boolean; leaf: boolean}
}

export function tlsFiles(dataDir: string): TlsFiles {
  return {
    dir: join(dataDir, LAKE_FILES.tlsDir),
    caPath: join(dataDir, LAKE_FILES.ca),
    caKeyPath: join(dataDir, LAKE_FILES.caKey),
    certPath: join(dataDir, LAKE_FILES.cert),
    keyPath: join(dataDir, LAKE_FILES.key),
  }
}

/**
 * Returns the CA and localhost certificate for a data folder, creating or renewing them as needed:
 * a missing or expiring CA is replaced (and then has to be trusted again); a missing, expiring or
 * foreign leaf is re-issued by the existing CA, which stays trusted.
 */
export async function ensureTls(dataDir: string, now = new Date()): Promise<TlsMaterial> {
  const files = tlsFiles(dataDir)
  mkdirSync(files.dir, {recursive: true, mode: 0o700})
  const created = {ca: false, leaf: false}

  let ca = readIfPresent(files.caPath)
  let caKey = readIfPresent(files.caKeyPath)
  if (!ca || !caKey || expiresSoon(ca, now) || !isConstrained(ca)) {
    const fresh = await createCa(now)
    ca = fresh.cert
    caKey = fresh.key
    writePrivate(files.caPath, ca)
    writePrivate(files.caKeyPath, caKey)
    created.ca = true
  }

  let cert = readIfPresent(files.certPath)
  let key = readIfPresent(files.keyPath)
  if (created.ca || !cert || !key || expiresSoon(cert, now) || !leafFits(cert, ca)) {
    const fresh = await createLeaf(ca, caKey, now)
    cert = fresh.cert
    key = fresh.key
    writePrivate(files.certPath, cert)
    writePrivate(files.keyPath, key)
    created.leaf = true
  }
  return {files, ca, cert, key, created}
}

/** Subject alternative names of a PEM certificate, as Node prints them (`DNS:localhost, IP Address:…`). */
export function subjectAltNames(pem: string): string[] {
  const san = new NodeX509Certificate(pem).subjectAltName ?? ''
  return san.split(', ').filter(Boolean)
}

function readIfPresent(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null
}

function writePrivate(path: string, pem: string): void {
  writeFileSync(path, pem, {mode: 0o600})
  // writeFileSync keeps the mode of an existing file; make sure it is owner-only.
  chmodSync(path, 0o600)
}

function expiresSoon(pem: string, now: Date): boolean {
  const validTo = new NodeX509Certificate(pem).validToDate
  return validTo.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY
}

/** The leaf must be signed by this CA and cover every name the lake is reached by. */
function leafFits(certPem: string, caPem: string): boolean {
  const cert = new NodeX509Certificate(certPem)
  const ca = new NodeX509Certificate(caPem)
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false
  const names = subjectAltNames(certPem)
  return (
    LEAF_DNS_NAMES.every((name) => names.includes(`DNS:${name}`)) &&
    LEAF_IP_ADDRESSES.every((ip) =>
      names.some((entry) => entry.toLowerCase() === `ip address:${normalizeIp(ip)}`),
    )
  )
}

function normalizeIp(ip: string): string {
  // Node prints IPv6 SANs fully expanded: ::1 → 0:0:0:0:0:0:0:1.
  return ip === '::1' ? '0:0:0:0:0:0:0:1' : ip
}

function serialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] &= 0x7f // positive INTEGER
  return bytes.toString('hex')
}

async function exportKey(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key)
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')
}

async function importKey(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ALGORITHM, false, [
    'sign',
  ])
}

async function createCa(now: Date): Promise<{cert: string; key: string}> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  // A unique name per CA, so trust stores that hold CAs of several data folders keep them apart.
  const id = randomBytes(4).toString('hex')
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=Local Content Lake CA ${id} (${hostname()}), O=Local Content Lake development CA`,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + CA_LIFETIME_DAYS * DAY),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      nameConstraints(),
    ],
  })
  return {cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey)}
}

/** Object identifier of the X.509 name constraints extension (RFC 5280 §4.2.1.10). */
const NAME_CONSTRAINTS_OID = '2.5.29.30'

/**
 * The CA may sign only for this machine: DNS `localhost` (which covers every `*.localhost`) and the
 * loopback addresses. Trusting it then cannot let anyone who copies its key impersonate other
 * sites. Critical, as RFC 5280 requires, so a client that cannot check it refuses the chain.
 */
function nameConstraints(): x509.Extension {
  const der = (tag: number, ...parts: Uint8Array[]) => {
    const body = Buffer.concat(parts)
    if (body.length > 127) throw new Error('name constraints too long for short-form DER lengths')
    return Buffer.concat([Buffer.from([tag, body.length]), body])
  }
  const subtree = (name: Uint8Array) => der(0x30, name)
  const dns = (name: string) => subtree(der(0x82, Buffer.from(name, 'ascii')))
  const ip = (address: number[], maskBits: number) => {
    const mask = address.map((_, i) => {
      const bits = Math.max(0, Math.min(8, maskBits - i * 8))
      return (0xff << (8 - bits)) & 0xff
    })
    return subtree(der(0x87, Buffer.from([...address, ...mask])))
  }
  const loopback6 = [...Array(15).fill(0), 1]
  const permitted = der(0xa0, dns('localhost'), ip([127, 0, 0, 1], 32), ip(loopback6, 128))
  const value = der(0x30, permitted)
  return new x509.Extension(NAME_CONSTRAINTS_OID, true, value)
}

/** Does a CA carry the name constraints above? An older, unconstrained CA is replaced. */
function isConstrained(caPem: string): boolean {
  return new x509.X509Certificate(caPem).getExtension(NAME_CONSTRAINTS_OID) !== null
}

async function createLeaf(
  caPem: string,
  caKeyPem: string,
  now: Date,
): Promise<{cert: string; key: string}> {
  const ca = new x509.X509Certificate(caPem)
  const caKey = await importKey(caKeyPem)
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=localhost, O=Local Content Lake',
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + LEAF_LIFETIME_DAYS * DAY),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...LEAF_DNS_NAMES.map((value) => ({type: 'dns' as const, value})),
        ...LEAF_IP_ADDRESSES.map((value) => ({type: 'ip' as const, value})),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  })
  return {cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey)}
}

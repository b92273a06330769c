/**
 * Image dimensions and alpha read from file headers (PNG, JPEG, GIF, WebP, SVG), without decoding
 * pixels. Sanity also computes a palette, LQIP and blurhash from the pixels; the lake leaves those
 * out (the Studio shows images without them).
 */

export interface ImageInfo {
  format: 'png' | 'jpg' | 'gif' | 'webp' | 'svg'
  mimeType: string
  width: number
  height: number
  /** Whether the format and header declare an alpha channel or transparency. */
  hasAlpha: boolean
}

const MIME: Record<ImageInfo['format'], string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
}

/** Reads the image format and size from the leading bytes; null when not a supported image. */
export function readImageInfo(bytes: Uint8Array): ImageInfo | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const found = png(buf) ?? jpeg(buf) ?? gif(buf) ?? webp(buf) ?? svg(buf)
  if (!found || !(found.width > 0 && found.height > 0)) return null
  return {...found, mimeType: MIME[found.format]}
}

type Found = Omit<ImageInfo, 'mimeType'>

function png(buf: Buffer): Found | null {
  const signature = '89504e470d0a1a0a'
  if (buf.length < 33 || buf.subarray(0, 8).toString('hex') !== signature) return null
  if (buf.toString('latin1', 12, 16) !== 'IHDR') return null
  const colorType = buf[25]
  // Colour types 4 and 6 carry alpha; a tRNS chunk adds transparency to the others.
  let hasAlpha = colorType === 4 || colorType === 6
  for (let offset = 8; !hasAlpha && offset + 8 <= buf.length;) {
    const length = buf.readUInt32BE(offset)
    const type = buf.toString('latin1', offset + 4, offset + 8)
    if (type === 'tRNS') hasAlpha = true
    if (type === 'IDAT' || type === 'IEND') break
    offset += 12 + length
  }
  return {format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), hasAlpha}
}

function jpeg(buf: Buffer): Found | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null
  let offset = 2
  let orientation = 1
  while (offset + 4 <= buf.length) {
    if (buf[offset] !== 0xff) return null
    const marker = buf[offset + 1]
    if (marker === 0xff) {
      offset++ // fill byte
      continue
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2
      continue
    }
    const length = buf.readUInt16BE(offset + 2)
    if (marker === 0xe1)
      orientation = exifOrientation(buf.subarray(offset + 4, offset + 2 + length))
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (offset + 9 > buf.length) return null
      const height = buf.readUInt16BE(offset + 5)
      const width = buf.readUInt16BE(offset + 7)
      // EXIF orientations 5–8 rotate by 90°: Sanity reports the displayed size.
      const rotated = orientation >= 5 && orientation <= 8
      return {
        format: 'jpg',
        width: rotated ? height : width,
        height: rotated ? width : height,
        hasAlpha: false,
      }
    }
    offset += 2 + length
  }
  return null
}

function exifOrientation(app1: Buffer): number {
  if (app1.toString('latin1', 0, 6) !== 'Exif\0\0') return 1
  const tiff = app1.subarray(6)
  if (tiff.length < 8) return 1
  const little = tiff.toString('latin1', 0, 2) === 'II'
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at))
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at))
  const ifd = u32(4)
  if (ifd + 2 > tiff.length) return 1
  const entries = u16(ifd)
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12
    if (entry + 12 > tiff.length) break
    if (u16(entry) === 0x0112) return u16(entry + 8)
  }
  return 1
}

function gif(buf: Buffer): Found | null {
  const header = buf.toString('latin1', 0, 6)
  if (buf.length < 10 || (header !== 'GIF87a' && header !== 'GIF89a')) return null
  // A graphic control extension with the transparency flag set means transparent pixels.
  let hasAlpha = false
  for (let i = 13; i + 3 < Math.min(buf.length, 64 * 1024); i++) {
    if (buf[i] === 0x21 && buf[i + 1] === 0xf9 && buf[i + 2] === 0x04 && (buf[i + 3] & 1) === 1) {
      hasAlpha = true
      break
    }
  }
  return {format: 'gif', width: buf.readUInt16LE(6), height: buf.readUInt16LE(8), hasAlpha}
}

function webp(buf: Buffer): Found | null {
  if (buf.length < 30) return null
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WEBP')
    return null
  const chunk = buf.toString('latin1', 12, 16)
  if (chunk === 'VP8X') {
    return {
      format: 'webp',
      width: 1 + buf.readUIntLE(24, 3),
      height: 1 + buf.readUIntLE(27, 3),
      hasAlpha: (buf[20] & 0x10) !== 0,
    }
  }
  if (chunk === 'VP8L') {
    if (buf[20] !== 0x2f) return null
    const bits = buf.readUInt32LE(21)
    return {
      format: 'webp',
      width: 1 + (bits & 0x3fff),
      height: 1 + ((bits >> 14) & 0x3fff),
      hasAlpha: ((bits >> 28) & 1) === 1,
    }
  }
  if (chunk === 'VP8 ') {
    // Key frame start code 9d 01 2a, then 14-bit width and height.
    if (buf[23] !== 0x9d || buf[24] !== 0x01 || buf[25] !== 0x2a) return null
    return {
      format: 'webp',
      width: buf.readUInt16LE(26) & 0x3fff,
      height: buf.readUInt16LE(28) & 0x3fff,
      hasAlpha: false,
    }
  }
  return null
}

function svg(buf: Buffer): Found | null {
  const text = buf.toString('utf8', 0, Math.min(buf.length, 64 * 1024))
  const tag = /<svg\b[^>]*>/i.exec(text)?.[0]
  if (!tag || !/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg\b/i.test(text)) {
    return null
  }
  const attribute = (name: string) =>
    new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1]
  // A first estimate (the upload takes the renderer's own size, which also reads the element's
  // font size and style): CSS absolute units at the renderer's 72 pixels an inch. Other units
  // (%, em, ex) are left to the viewBox, as the renderer does for a percentage.
  const length = (value: string | undefined) => {
    const match = value && /^\s*\+?(\d*\.?\d+(?:e[+-]?\d+)?)\s*([a-z]*)\s*$/i.exec(value)
    const perUnit = match && SVG_UNITS[match[2].toLowerCase()]
    return perUnit ? Number(match[1]) * perUnit : undefined
  }
  const viewBox = attribute('viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number)
  let width = length(attribute('width'))
  let height = length(attribute('height'))
  if (viewBox?.length === 4 && viewBox[2] > 0 && viewBox[3] > 0) {
    if (width === undefined && height === undefined) {
      width = viewBox[2]
      height = viewBox[3]
    } else if (width === undefined) {
      width = (height! * viewBox[2]) / viewBox[3]
    } else if (height === undefined) {
      height = (width * viewBox[3]) / viewBox[2]
    }
  }
  // Sanity reports 100×100 for an SVG without any size.
  return {
    format: 'svg',
    width: Math.round(width ?? 100),
    height: Math.round(height ?? 100),
    hasAlpha: true,
  }
}

/** Pixels per CSS unit as the SVG renderer (librsvg through sharp, 72 dpi) sizes a document. */
const SVG_UNITS: Record<string, number | undefined> = {
  '': 1,
  px: 1,
  pt: 1,
  pc: 12,
  in: 72,
  cm: 72 / 2.54,
  mm: 72 / 25.4,
}

/**
 * What Sanity derives from an image's pixels at upload: `lqip` (a tiny base64 JPEG for a blurred
 * placeholder), `blurHash` and `palette` (dominant and six Vibrant-style swatches). The source is
 * decoded once, through the shared sharp queue, into a 64-pixel thumbnail (shrink-on-load where
 * the format has it); all three come from that thumbnail.
 */
import {encode} from 'blurhash'
import {withSharp} from './sharp.ts'

export interface PaletteSwatch {
  _type: 'sanity.imagePaletteSwatch'
  background: string
  foreground: string
  title: string
  population: number
}

export interface DerivedImageMetadata {
  lqip: string
  blurHash: string
  palette: {_type: 'sanity.imagePalette'} & Partial<Record<SwatchName, PaletteSwatch>>
}

type SwatchName =
  'dominant' | 'vibrant' | 'darkVibrant' | 'lightVibrant' | 'muted' | 'darkMuted' | 'lightMuted'

/** The lqip width, as Sanity's (20 pixels wide, aspect kept). */
const LQIP_WIDTH = 20

/**
 * The size the renderer makes an SVG at: its width and height attributes are only part of it (a
 * font size, a style attribute and the units' resolution count too), and renditions and their
 * limits must use the size the renderer will make. Rejects with sharp's error when it cannot
 * read the file.
 */
export function svgRenderedSize(
  path: string,
  holder?: string,
): Promise<{width: number; height: number}> {
  return withSharp(
    async (sharp) => {
      const {width, height} = await sharp(path).metadata()
      if (!width || !height) throw new Error('the SVG has no size the renderer can draw')
      return {width, height}
    },
    undefined,
    holder,
  )
}

/**
 * Decodes the image at `path` (refusing one over `maxPixels`) and derives its metadata; rejects
 * with sharp's error when the file cannot be decoded.
 */
export function deriveImageMetadata(
  path: string,
  maxPixels: number,
): Promise<DerivedImageMetadata> {
  return withSharp(async (sharp) => {
    const thumb = await sharp(path, {animated: false, limitInputPixels: maxPixels})
      .rotate()
      .resize({width: 64, height: 64, fit: 'inside'})
      .ensureAlpha()
      .raw()
      .toBuffer({resolveWithObject: true})
    const small = () =>
      sharp(thumb.data, {raw: {width: thumb.info.width, height: thumb.info.height, channels: 4}})
    const [lqip, blur] = await Promise.all([
      small()
        .resize({width: LQIP_WIDTH})
        .flatten({background: '#ffffff'})
        .jpeg({quality: 40})
        .toBuffer(),
      small()
        .resize({width: 32, height: 32, fit: 'inside'})
        .raw()
        .toBuffer({resolveWithObject: true}),
    ])
    const {width, height} = blur.info
    const [cx, cy] = width >= height ? [4, 3] : [3, 4]
    return {
      lqip: `data:image/jpeg;base64,${lqip.toString('base64')}`,
      blurHash: encode(new Uint8ClampedArray(blur.data), width, height, cx, cy),
      palette: palette(thumb.data),
    }
  })
}

interface Bucket {
  r: number
  g: number
  b: number
  count: number
}

/** Node-vibrant's targets: luma and saturation each swatch aims for, with the allowed range. */
const TARGETS: {name: Exclude<SwatchName, 'dominant'>; luma: number[]; sat: number[]}[] = [
  {name: 'vibrant', luma: [0.3, 0.5, 0.7], sat: [0.35, 1, 1]},
  {name: 'lightVibrant', luma: [0.55, 0.74, 1], sat: [0.35, 1, 1]},
  {name: 'darkVibrant', luma: [0, 0.26, 0.45], sat: [0.35, 1, 1]},
  {name: 'muted', luma: [0.3, 0.5, 0.7], sat: [0, 0.3, 0.4]},
  {name: 'lightMuted', luma: [0.55, 0.74, 1], sat: [0, 0.3, 0.4]},
  {name: 'darkMuted', luma: [0, 0.26, 0.45], sat: [0, 0.3, 0.4]},
]

/** RGBA pixels → swatches. Colours are bucketed at 5 bits a channel; transparent pixels skipped. */
export function palette(rgba: Uint8Array): DerivedImageMetadata['palette'] {
  const buckets = new Map<number, Bucket>()
  let total = 0
  for (let i = 0; i + 3 < rgba.length; i += 4) {
    if (rgba[i + 3]! < 125) continue
    const key = ((rgba[i]! >> 3) << 10) | ((rgba[i + 1]! >> 3) << 5) | (rgba[i + 2]! >> 3)
    let bucket = buckets.get(key)
    if (!bucket) buckets.set(key, (bucket = {r: 0, g: 0, b: 0, count: 0}))
    bucket.r += rgba[i]!
    bucket.g += rgba[i + 1]!
    bucket.b += rgba[i + 2]!
    bucket.count++
    total++
  }
  const result: DerivedImageMetadata['palette'] = {_type: 'sanity.imagePalette'}
  if (total === 0) return result
  const colours = [...buckets.values()]
    .map((b) => {
      const rgb = [b.r / b.count, b.g / b.count, b.b / b.count] as const
      return {rgb, count: b.count, ...hsl(rgb)}
    })
    .sort((a, b) => b.count - a.count)
  const most = colours[0]!.count
  result.dominant = swatch(colours[0]!.rgb, colours[0]!.count / total)
  const used = new Set<(typeof colours)[number]>()
  for (const target of TARGETS) {
    let best: (typeof colours)[number] | null = null
    let bestScore = -Infinity
    for (const colour of colours) {
      if (used.has(colour)) continue
      if (colour.l < target.luma[0]! || colour.l > target.luma[2]!) continue
      if (colour.s < target.sat[0]! || colour.s > target.sat[2]!) continue
      const score =
        (1 - Math.abs(colour.s - target.sat[1]!)) * 3 +
        (1 - Math.abs(colour.l - target.luma[1]!)) * 6.5 +
        (colour.count / most) * 0.5
      if (score > bestScore) {
        bestScore = score
        best = colour
      }
    }
    if (best) {
      used.add(best)
      result[target.name] = swatch(best.rgb, best.count / total)
    }
  }
  return result
}

function swatch(rgb: readonly [number, number, number], population: number): PaletteSwatch {
  // White text on colours darker than mid-grey (relative luminance), black on the others.
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  const light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179
  const text = light ? '#000' : '#fff'
  return {
    _type: 'sanity.imagePaletteSwatch',
    background: `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`,
    foreground: text,
    title: text,
    population: Math.round(population * 10000) / 100,
  }
}

function hsl([r, g, b]: readonly [number, number, number]): {s: number; l: number} {
  const max = Math.max(r, g, b) / 255
  const min = Math.min(r, g, b) / 255
  const l = (max + min) / 2
  const s = max === min ? 0 : l > 0.5 ? (max - min) / (2 - max - min) : (max - min) / (max + min)
  return {s, l}
}

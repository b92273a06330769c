/**
 * Sanity's image URL parameters (what @sanity/image-url emits, as the image CDN reads them) parsed
 * into one transform and rendered with sharp. @sanity/image-url turns an image field's crop and
 * hotspot into `rect` (and `fp-x`/`fp-y` with `crop=focalpoint`), so honouring those honours them.
 *
 * Order, as on the CDN: source rectangle, flip, orientation, resize (w/h/fit/crop, times dpr),
 * effects (blur, sharpen, invert, saturation), padding, background, output format.
 */
import type {Sharp} from 'sharp'
import {withSharp} from './sharp.ts'
import {BadRequestError, LakeError, UnprocessableError} from '../core/errors.ts'
import {singleParameter} from '../core/query.ts'

type SharpFactory = Parameters<Parameters<typeof withSharp>[0]>[0]

export type OutputFormat = 'jpg' | 'pjpg' | 'png' | 'webp' | 'avif' | 'gif'
type Fit = 'clip' | 'crop' | 'fill' | 'fillmax' | 'max' | 'min' | 'scale'

export interface ImageTransform {
  rect?: {left: number; top: number; width: number; height: number}
  width?: number
  height?: number
  fit: Fit
  /** `crop=` positions (top, left, …), `focalpoint` or `entropy`. */
  crop: string[]
  focalPoint?: {x: number; y: number}
  format: OutputFormat
  quality: number
  background?: {r: number; g: number; b: number; alpha: number}
  blur?: number
  sharpen?: number
  flip: {horizontal: boolean; vertical: boolean}
  orientation: 0 | 90 | 180 | 270
  invert: boolean
  saturation?: number
  pad?: number
}

export interface ImageLimits {
  /** Largest output width or height in pixels (after dpr). */
  maxDimension: number
  /** Largest output area in pixels. */
  maxPixels: number
  /** Largest source image (width × height) the lake stores or decodes. */
  maxSourcePixels: number
  /**
   * Longest one rendition's pipelines may run, in seconds (sharp's timeout, which stops libvips):
   * an AVIF of a large image held a slot of the sharp queue for about 23 s, and two such asked
   * at once held every image behind them.
   */
  renderSeconds: number
  /**
   * Largest AVIF output area in pixels. sharp's timeout stops libvips while it computes pixels,
   * but the AVIF encode is one libheif call after that which nothing stops (a 1200×1200 AVIF ran
   * 24.9 s under a 1 s timeout), so its work is bounded before it starts: at effort 0 an AVIF of
   * noise took 1.4 s a megapixel at load 11 on two cores, so 6 MP keeps the worst near 8 s.
   */
  maxAvifPixels: number
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxDimension: 8192,
  maxPixels: 40_000_000,
  maxSourcePixels: 100_000_000,
  renderSeconds: 15,
  maxAvifPixels: 6_000_000,
}

/** The parameters that change the bytes; anything else (dl, vanity names, unknown keys) does not. */
const TRANSFORM_PARAMS = [
  'w',
  'h',
  'fit',
  'crop',
  'fp-x',
  'fp-y',
  'rect',
  'fm',
  'auto',
  'q',
  'dpr',
  'bg',
  'blur',
  'sharp',
  'flip',
  'or',
  'invert',
  'sat',
  'pad',
  'min-w',
  'max-w',
  'min-h',
  'max-h',
] as const

const FITS: readonly Fit[] = ['clip', 'crop', 'fill', 'fillmax', 'max', 'min', 'scale']
const FORMATS: readonly string[] = ['jpg', 'pjpg', 'png', 'webp', 'avif', 'gif']
const CROPS = ['top', 'bottom', 'left', 'right', 'center', 'focalpoint', 'entropy']
const SOURCE_FORMATS: Record<string, OutputFormat> = {
  jpg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
}

export const MIME_TYPES: Record<OutputFormat, string> = {
  jpg: 'image/jpeg',
  pjpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
}

export function hasTransform(search: URLSearchParams): boolean {
  return TRANSFORM_PARAMS.some((name) => search.has(name))
}

/**
 * Reads the parameters for a source image of `source` pixels in `extension` format; `accept` is the
 * request's Accept header (for `auto=format`). Bad values are a 400 naming the parameter.
 */
export function parseTransform(
  search: URLSearchParams,
  source: {width: number; height: number; extension: string},
  accept: string | undefined,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): ImageTransform {
  const dpr = number(search, 'dpr', 0.1, 5) ?? 1
  const scaled = (name: string) => {
    const value = number(search, name, 1, Infinity, true)
    return value === undefined ? undefined : Math.round(value * dpr)
  }
  let width = scaled('w')
  let height = scaled('h')
  const [minW, maxW, minH, maxH] = ['min-w', 'max-w', 'min-h', 'max-h'].map(scaled)
  if (width !== undefined) width = clamp(width, minW, maxW)
  if (height !== undefined) height = clamp(height, minH, maxH)
  if (width === undefined && maxW !== undefined && source.width > maxW) width = maxW
  if (height === undefined && maxH !== undefined && source.height > maxH) height = maxH

  const fit = (singleParameter(search, 'fit') ?? 'clip') as Fit
  if (!FITS.includes(fit)) throw invalid('fit', `one of ${FITS.join(', ')}`)
  const crop = (singleParameter(search, 'crop') ?? 'center').split(',').filter(Boolean)
  if (crop.some((c) => !CROPS.includes(c))) throw invalid('crop', `from ${CROPS.join(', ')}`)

  const transform: ImageTransform = {
    width,
    height,
    fit,
    crop,
    format: outputFormat(search, source.extension, accept),
    quality: number(search, 'q', 0, 100, true) ?? 75,
    flip: flip(singleParameter(search, 'flip')),
    orientation: orientation(singleParameter(search, 'or')),
    invert: ['true', '1'].includes(singleParameter(search, 'invert') ?? ''),
  }
  const rect = singleParameter(search, 'rect')
  if (rect !== null) transform.rect = parseRect(rect, source)
  const fx = number(search, 'fp-x', 0, 1)
  const fy = number(search, 'fp-y', 0, 1)
  if (fx !== undefined || fy !== undefined) transform.focalPoint = {x: fx ?? 0.5, y: fy ?? 0.5}
  const bg = singleParameter(search, 'bg')
  if (bg !== null) transform.background = parseColor(bg)
  transform.blur = number(search, 'blur', 0, 2000)
  transform.sharpen = number(search, 'sharp', 0, 100)
  transform.saturation = number(search, 'sat', -100, 100)
  transform.pad = number(search, 'pad', 0, 2000, true)
  if (transform.pad !== undefined) transform.pad = Math.round(transform.pad * dpr)
  const [w, h] = checkLimits(transform, source, limits)
  if (transform.format === 'avif' && w * h > limits.maxAvifPixels) {
    // AVIF chosen by auto=format: the client gets its next choice (WebP, fm, the source's)
    // rather than a refusal.
    if (singleParameter(search, 'auto') === 'format' && accept?.includes('image/avif')) {
      transform.format = outputFormat(search, source.extension, accept?.replace(/image\/avif/g, ''))
    } else {
      throw new BadRequestError(
        `Requested AVIF is ${w}×${h} pixels; the lake encodes AVIF up to ${limits.maxAvifPixels} ` +
          `pixels in all, as its encode cannot be stopped once begun (ask for fm=webp or jpg, ` +
          `or lower w, h or dpr)`,
      )
    }
  }
  return transform
}

/** The output size a transform leads to, checked before any pixel is touched. */
function checkLimits(
  t: ImageTransform,
  source: {width: number; height: number},
  limits: ImageLimits,
): [number, number] {
  const base = t.rect ?? source
  const turned = t.orientation === 90 || t.orientation === 270
  const sw = turned ? base.height : base.width
  const sh = turned ? base.width : base.height
  let w = t.width ?? (t.height ? Math.round((sw * t.height) / sh) : sw)
  let h = t.height ?? (t.width ? Math.round((sh * t.width) / sw) : sh)
  w += 2 * (t.pad ?? 0)
  h += 2 * (t.pad ?? 0)
  if (w > limits.maxDimension || h > limits.maxDimension || w * h > limits.maxPixels) {
    throw new BadRequestError(
      `Requested image is ${w}×${h} pixels; the largest the lake renders is ` +
        `${limits.maxDimension} pixels a side and ${limits.maxPixels} pixels in all ` +
        `(lower w, h, dpr or pad)`,
    )
  }
  return [w, h]
}

/**
 * Renders a transform of the image file at `path` (`source`: its displayed size) through the
 * shared sharp queue; resolves to the encoded bytes. An image its decoder refuses is a 422.
 */
export function renderImage(
  path: string,
  t: ImageTransform,
  source: {width: number; height: number},
  limits: Pick<ImageLimits, 'maxSourcePixels' | 'renderSeconds'>,
  wanted?: () => boolean,
  holder?: string,
): Promise<Buffer> {
  return withSharp(
    async (sharp) => {
      const seconds = limits.renderSeconds
      const deadline = Date.now() + seconds * 1000
      const tooSlow = () =>
        new UnprocessableError(
          `Rendering this image took longer than ${seconds} s and was stopped: ask for a smaller ` +
            `size (w, h) or a format quicker to encode (fm=webp or jpg rather than avif); ` +
            `LAKE_IMAGE_RENDER_SECONDS sets the bound`,
        )
      // Every pipeline of the rendition gets what is left of its time; a step starting after
      // the deadline is refused at once.
      const timed = new Proxy(sharp, {
        apply(target, thisArg, args: Parameters<SharpFactory>) {
          const left = Math.ceil((deadline - Date.now()) / 1000)
          if (left <= 0) throw tooSlow()
          return Reflect.apply(target, thisArg, args).timeout({seconds: left}) as Sharp
        },
      })
      try {
        return await render(timed, path, t, source, limits.maxSourcePixels)
      } catch (err) {
        if (err instanceof LakeError) throw err
        // sharp's words for a pipeline its timeout stopped ("timeout: 12% complete").
        if (/^timeout: /.test((err as Error).message)) throw tooSlow()
        throw new UnprocessableError(
          `The stored image cannot be rendered: ${(err as Error).message.trim()}. ` +
            `Upload the image again (the lake now refuses images it cannot decode at upload)`,
        )
      }
    },
    wanted,
    holder,
  )
}

async function render(
  sharp: SharpFactory,
  path: string,
  t: ImageTransform,
  source: {width: number; height: number},
  maxSourcePixels: number,
): Promise<Buffer> {
  const open = () => sharp(path, {animated: false, limitInputPixels: maxSourcePixels})
  let image: Sharp
  if (needsReduced(t)) {
    image = await reduced(sharp, open, t, source)
  } else {
    // `rotate()` without an angle applies the EXIF orientation, as browsers show the original;
    // sharp streams this pipeline (shrink-on-load where the format has it).
    image = open().rotate()
  }
  if (t.flip.horizontal) image = image.flop()
  if (t.flip.vertical) image = image.flip()
  if (t.orientation) image = await settle(sharp, image.rotate(t.orientation))
  image = await resize(sharp, image, t)
  if (t.blur) image = await blur(sharp, image, Math.max(0.3, t.blur / 10))
  if (t.sharpen) image = image.sharpen({sigma: 0.5 + t.sharpen / 25})
  if (t.invert) image = image.negate({alpha: false})
  if (t.saturation !== undefined) image = image.modulate({saturation: 1 + t.saturation / 100})
  if (t.pad) {
    image = image.extend({
      top: t.pad,
      bottom: t.pad,
      left: t.pad,
      right: t.pad,
      background: t.background ?? {r: 255, g: 255, b: 255, alpha: 0},
    })
  }
  const opaque = t.format === 'jpg' || t.format === 'pjpg'
  if (t.background || opaque) image = image.flatten({background: t.background ?? '#ffffff'})
  return encode(image, t).toBuffer()
}

/** Transforms whose later steps need the pixels so far in memory (see `settle`). */
function needsReduced(t: ImageTransform): boolean {
  return (
    t.rect !== undefined ||
    t.orientation !== 0 ||
    t.fit === 'fillmax' ||
    t.fit === 'min' ||
    t.crop.includes('focalpoint') ||
    t.focalPoint !== undefined
  )
}

/** sharp's EXIF orientations: the clockwise rotation, then whether the result is mirrored. */
const EXIF: Record<number, {angle: 0 | 90 | 180 | 270; mirrored: boolean}> = {
  1: {angle: 0, mirrored: false},
  2: {angle: 0, mirrored: true},
  3: {angle: 180, mirrored: false},
  4: {angle: 180, mirrored: true},
  5: {angle: 90, mirrored: true},
  6: {angle: 90, mirrored: false},
  7: {angle: 270, mirrored: true},
  8: {angle: 270, mirrored: false},
}

/**
 * The source cut to `rect` and shrunk to the largest scale the transform's resize keeps, decoded
 * in one streaming pipeline of the stored file (so a 10-pixel rectangle of a 12000-pixel image
 * never holds the whole image in memory), with the EXIF orientation then applied to that small
 * image. What the later steps see is the `rect` they would have cut, at most as large as needed.
 */
async function reduced(
  sharp: SharpFactory,
  open: () => Sharp,
  t: ImageTransform,
  source: {width: number; height: number},
): Promise<Sharp> {
  const exif = EXIF[(await open().metadata()).orientation ?? 1] ?? EXIF[1]!
  const rect = t.rect ?? {left: 0, top: 0, width: source.width, height: source.height}
  const turned = t.orientation === 90 || t.orientation === 270
  const scale = coverScale(t, turned ? rect.height : rect.width, turned ? rect.width : rect.height)
  const stored = storedRect(rect, exif, source)
  let image = open()
  if (t.rect) image = image.extract(stored)
  if (scale < 1) {
    image = image.resize({
      width: Math.max(1, Math.round(stored.width * scale)),
      height: Math.max(1, Math.round(stored.height * scale)),
      fit: 'fill',
    })
  }
  image = await settle(sharp, image)
  // sharp mirrors before it rotates; mirroring across the other axis first is the same picture.
  if (exif.mirrored) image = exif.angle % 180 === 0 ? image.flop() : image.flip()
  if (exif.angle) image = image.rotate(exif.angle)
  return exif.mirrored || exif.angle ? settle(sharp, image) : image
}

/**
 * The largest scale (at most 1) the resize applies to a `width`×`height` source: that of the
 * smallest box covering the requested size. Every fit shrinks at most this much, so pixels at
 * this scale lose nothing the output keeps, and every fit's "never enlarge" sees a large enough
 * source.
 */
function coverScale(t: ImageTransform, width: number, height: number): number {
  const scales = [t.width && t.width / width, t.height && t.height / height].filter(
    (s): s is number => s !== undefined,
  )
  return scales.length === 0 ? 1 : Math.min(1, Math.max(...scales))
}

/** A rectangle of the displayed (EXIF-oriented) image in the stored file's pixels. */
function storedRect(
  rect: {left: number; top: number; width: number; height: number},
  exif: {angle: number; mirrored: boolean},
  displayed: {width: number; height: number},
): {left: number; top: number; width: number; height: number} {
  const {width: dw, height: dh} = displayed
  const left = exif.mirrored ? dw - rect.left - rect.width : rect.left
  const {top, width, height} = rect
  switch (exif.angle) {
    case 90:
      return {left: top, top: dw - left - width, width: height, height: width}
    case 180:
      return {left: dw - left - width, top: dh - top - height, width, height}
    case 270:
      return {left: dh - top - height, top: left, width: height, height: width}
    default:
      return {left, top, width, height}
  }
}

async function resize(sharp: SharpFactory, image: Sharp, t: ImageTransform): Promise<Sharp> {
  const {width, height} = t
  if (width === undefined && height === undefined) return image
  if (width === undefined || height === undefined || t.fit === 'clip') {
    // max and fillmax never enlarge, also with one side given (the Studio asks `w=2000&fit=max`).
    const withoutEnlargement = t.fit === 'max' || t.fit === 'fillmax'
    return image.resize({width, height, fit: 'inside', withoutEnlargement})
  }
  const background = t.background ?? {r: 255, g: 255, b: 255, alpha: 0}
  switch (t.fit) {
    case 'max':
      return image.resize({width, height, fit: 'inside', withoutEnlargement: true})
    case 'scale':
      return image.resize({width, height, fit: 'fill'})
    case 'fill':
      return image.resize({width, height, fit: 'contain', background})
    case 'fillmax': {
      // Never enlarged, but always padded out to the requested box.
      const inside = await settle(
        sharp,
        image.resize({width, height, fit: 'inside', withoutEnlargement: true}),
      )
      const {width: iw, height: ih} = await inside.metadata()
      const padX = width - iw
      const padY = height - ih
      return inside.extend({
        left: Math.floor(padX / 2),
        right: Math.ceil(padX / 2),
        top: Math.floor(padY / 2),
        bottom: Math.ceil(padY / 2),
        background,
      })
    }
    case 'min': {
      // The requested aspect ratio, never larger than the source.
      const settled = await settle(sharp, image)
      const {width: sw, height: sh} = await settled.metadata()
      const scale = Math.min(1, sw / width, sh / height)
      return crop(sharp, settled, Math.round(width * scale), Math.round(height * scale), t)
    }
    default:
      return crop(sharp, image, width, height, t)
  }
}

/** Fills the box and cuts the excess where `crop` says (a focal point, entropy or an edge). */
async function crop(
  sharp: SharpFactory,
  image: Sharp,
  width: number,
  height: number,
  t: ImageTransform,
): Promise<Sharp> {
  if (t.crop.includes('focalpoint') || (t.focalPoint && !t.crop.includes('entropy'))) {
    const settled = await settle(sharp, image)
    const {width: sw, height: sh} = await settled.metadata()
    const scale = Math.max(width / sw, height / sh)
    const rw = Math.max(width, Math.round(sw * scale))
    const rh = Math.max(height, Math.round(sh * scale))
    const fp = t.focalPoint ?? {x: 0.5, y: 0.5}
    const left = Math.min(rw - width, Math.max(0, Math.round(fp.x * rw - width / 2)))
    const top = Math.min(rh - height, Math.max(0, Math.round(fp.y * rh - height / 2)))
    return settled.resize({width: rw, height: rh, fit: 'fill'}).extract({left, top, width, height})
  }
  const position = t.crop.includes('entropy')
    ? sharp.strategy.entropy
    : t.crop.filter((c) => c !== 'center').join(' ') || 'centre'
  return image.resize({width, height, fit: 'cover', position})
}

/**
 * Past this sigma a blur runs on a copy made smaller by sigma / BLUR_FULL_SIGMA, then scaled back:
 * a Gaussian blur costs in proportion to its sigma for every pixel, and an anonymous `blur=2000`
 * (sigma 200) of a 6000-pixel rendition held a slot of the sharp queue 21.6 s. What a blur that
 * wide leaves has no detail the smaller copy loses.
 */
const BLUR_FULL_SIGMA = 10

async function blur(sharp: SharpFactory, image: Sharp, sigma: number): Promise<Sharp> {
  if (sigma <= BLUR_FULL_SIGMA) return image.blur(sigma)
  const settled = await settle(sharp, image)
  const {width, height} = await settled.metadata()
  const factor = sigma / BLUR_FULL_SIGMA
  const small = await settle(
    sharp,
    settled.resize({
      width: Math.max(1, Math.round(width / factor)),
      height: Math.max(1, Math.round(height / factor)),
      fit: 'fill',
    }),
  )
  // Settled before it is scaled back: in one pipeline sharp resizes before it blurs.
  const blurred = await settle(sharp, small.blur(BLUR_FULL_SIGMA))
  return blurred.resize({width, height, fit: 'fill'})
}

/**
 * Runs the pipeline so far into raw pixels and starts a new one on them: sharp applies one extract,
 * rotate and resize per pipeline in a fixed order, and some steps need the size so far. Only ever
 * called on an image already cut and shrunk by `reduced` (never the whole of a large source).
 */
async function settle(sharp: SharpFactory, image: Sharp): Promise<Sharp> {
  const {data, info} = await image.raw().toBuffer({resolveWithObject: true})
  return sharp(data, {raw: {width: info.width, height: info.height, channels: info.channels}})
}

function encode(image: Sharp, t: ImageTransform): Sharp {
  const quality = Math.max(1, t.quality)
  switch (t.format) {
    case 'jpg':
      return image.jpeg({quality, mozjpeg: true})
    case 'pjpg':
      return image.jpeg({quality, progressive: true, mozjpeg: true})
    case 'png':
      return image.png({compressionLevel: 8})
    case 'webp':
      return image.webp({quality})
    case 'avif':
      // The quickest effort: nothing stops an AVIF encode once begun (see maxAvifPixels); effort 2
      // took 4.5 s a megapixel of noise where 0 took 1.4, for files of the same size.
      return image.avif({quality: Math.round(quality * 0.8), effort: 0})
    case 'gif':
      return image.gif()
  }
}

/** `fm`, or with `auto=format` the best format the client accepts. */
function outputFormat(
  search: URLSearchParams,
  extension: string,
  accept: string | undefined,
): OutputFormat {
  if (singleParameter(search, 'auto') === 'format' && accept) {
    if (accept.includes('image/avif')) return 'avif'
    if (accept.includes('image/webp')) return 'webp'
  }
  const fm = singleParameter(search, 'fm')
  if (fm !== null) {
    const normal = fm === 'jpeg' ? 'jpg' : fm
    if (!FORMATS.includes(normal)) throw invalid('fm', `one of ${FORMATS.join(', ')}`)
    return normal as OutputFormat
  }
  // SVG is rasterised when transformed.
  return SOURCE_FORMATS[extension] ?? 'png'
}

function parseRect(value: string, source: {width: number; height: number}) {
  const parts = value.split(',').map(Number)
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw invalid('rect', 'left,top,width,height in whole pixels')
  }
  const [left, top, width, height] = parts as [number, number, number, number]
  if (width === 0 || height === 0) throw invalid('rect', 'a width and height above 0')
  if (left + width > source.width || top + height > source.height) {
    throw new BadRequestError(
      `Invalid "rect": ${value} reaches outside the ${source.width}×${source.height} image`,
    )
  }
  return {left, top, width, height}
}

/** `bg`: RGB or ARGB hex, 3, 4, 6 or 8 digits, as on the CDN. */
function parseColor(value: string): {r: number; g: number; b: number; alpha: number} {
  const hex = value.replace(/^#/, '')
  if (!/^([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(hex)) {
    throw invalid('bg', 'a hex colour: RGB, ARGB, RRGGBB or AARRGGBB')
  }
  const full = hex.length <= 4 ? [...hex].map((d) => d + d).join('') : hex
  const argb = full.length === 8 ? full : `ff${full}`
  const byte = (i: number) => parseInt(argb.slice(i, i + 2), 16)
  return {alpha: byte(0) / 255, r: byte(2), g: byte(4), b: byte(6)}
}

function flip(value: string | null): ImageTransform['flip'] {
  if (value === null) return {horizontal: false, vertical: false}
  if (!['h', 'v', 'hv', 'vh'].includes(value)) throw invalid('flip', 'h, v or hv')
  return {horizontal: value.includes('h'), vertical: value.includes('v')}
}

function orientation(value: string | null): ImageTransform['orientation'] {
  if (value === null) return 0
  const degrees = Number(value)
  if (![0, 90, 180, 270].includes(degrees)) throw invalid('or', '0, 90, 180 or 270')
  return degrees as ImageTransform['orientation']
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/

function number(
  search: URLSearchParams,
  name: string,
  min: number,
  max: number,
  integer = false,
): number | undefined {
  const raw = singleParameter(search, name)
  if (raw === null || raw === '') return undefined
  const value = Number(raw)
  if (
    // As a URL writes a number: Number() also reads 0x10, 0b11, 1e2 and spaces around one.
    !DECIMAL.test(raw) ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const range = max === Infinity ? `at least ${min}` : `from ${min} to ${max}`
    throw invalid(name, `${integer ? 'a whole number' : 'a number'} ${range}`)
  }
  return value
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  return Math.min(max ?? Infinity, Math.max(min ?? 0, value))
}

function invalid(name: string, expected: string): LakeError {
  return new BadRequestError(`Invalid image parameter "${name}": expected ${expected}`)
}

import {createImageUrlBuilder, type SanityImageSource} from '@sanity/image-url'
import {apiHost, dataset, projectId} from './env.ts'

// Image URLs on the lake are served by the lake itself; on hosted Sanity by cdn.sanity.io.
const builder = createImageUrlBuilder({projectId, dataset, ...(apiHost ? {baseUrl: apiHost} : {})})

export function urlFor(source: SanityImageSource) {
  return builder.image(source).auto('format')
}

/** `srcset` for a responsive <img>: the image at each width, cropped to `aspect` around the hotspot. */
export function srcSet(source: SanityImageSource, aspect: number, widths = [320, 640, 960, 1280]) {
  return widths
    .map(
      (w) =>
        `${urlFor(source)
          .width(w)
          .height(Math.round(w / aspect))
          .fit('crop')
          .url()} ${w}w`,
    )
    .join(', ')
}

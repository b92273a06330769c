import {srcSet, urlFor} from '../sanity/image.ts'

interface LeadImageValue {
  asset?: {_ref: string}
  alt?: string
  caption?: string
  credit?: string
  lqip: string | null
}

/**
 * A responsive lead image: `srcset` widths from the lake's (or Sanity's CDN's) image pipeline,
 * cropped around the editor's hotspot, with the asset's lqip as a blurred placeholder until it loads.
 */
export function LeadImage({
  image,
  sizes,
  priority = false,
}: {
  image: LeadImageValue | null
  sizes: string
  priority?: boolean
}) {
  if (!image?.asset) return null
  const aspect = 16 / 9
  return (
    <figure>
      <img
        src={urlFor(image).width(960).height(540).fit('crop').url()}
        srcSet={srcSet(image, aspect)}
        sizes={sizes}
        width={960}
        height={540}
        alt={image.alt ?? ''}
        loading={priority ? 'eager' : 'lazy'}
        style={image.lqip ? {backgroundImage: `url(${image.lqip})`} : undefined}
      />
      {image.caption || image.credit ? (
        <figcaption>
          {image.caption} {image.credit ? <span>{image.credit}</span> : null}
        </figcaption>
      ) : null}
    </figure>
  )
}

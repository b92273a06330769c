/**
 * sharp, loaded on the first image rather than with the lake: its native library (libvips) adds
 * about 27 MB to the lake's resident memory, and most lakes serve queries far more than images.
 */
import type SharpModule from 'sharp'

let loading: Promise<typeof SharpModule> | null = null

export function loadSharp(): Promise<typeof SharpModule> {
  return (loading ??= import('sharp').then((module) => module.default))
}

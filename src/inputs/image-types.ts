/** The still-image types flipbook reads, by the type name the header sniffer reports. */
export const IMAGE_TYPES = ['png', 'jpg', 'webp', 'tiff', 'bmp', 'gif'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** File extensions (lower case, with the dot) that are taken as images in a glob or a directory. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png',
  '.apng',
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.webp',
  '.tif',
  '.tiff',
  '.bmp',
  '.dib',
  '.gif',
]);

export function isImageType(type: string | undefined): type is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(type ?? '');
}

/**
 * The HEIF family (HEIC from phones, AVIF): flipbook does not decode them as stills (its still
 * decoders take one coded picture; these need a demuxer, and a phone's HEIC is a grid of tiles).
 * By the type image-size reports (the file's major brand), and by extension (for globs and directories).
 */
export const HEIF_TYPES: Readonly<Record<string, string>> = { heic: 'HEIC', heix: 'HEIC', hevc: 'HEIC', hevx: 'HEIC', heif: 'HEIF', mif1: 'HEIF', msf1: 'HEIF', avif: 'AVIF', avis: 'AVIF' };
export const HEIF_EXTENSIONS: ReadonlySet<string> = new Set(['.heic', '.heif', '.hif', '.avif']);

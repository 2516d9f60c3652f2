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

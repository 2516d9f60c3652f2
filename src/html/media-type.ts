/**
 * What a media file really is, from its first bytes (never its extension): the container,
 * its MIME type and the HTML element that shows it.
 */

export interface MediaType {
  /** Short name: `MP4`, `MOV`, `WebM`, `Matroska`, `GIF`, `WebP`, `APNG`, `PNG`. */
  name: string;
  mime: string;
  /**
   * Another type a browser that does not take `mime` plays the same bytes as: Chromium and
   * Firefox answer '' to canPlayType('video/quicktime') and skip such a source (an empty player),
   * but play an H.264 MOV given as video/mp4; Safari takes video/quicktime first.
   */
  alsoAs?: string;
  element: 'video' | 'img';
}

const MP4: MediaType = { name: 'MP4', mime: 'video/mp4', element: 'video' };
const MOV: MediaType = { name: 'MOV', mime: 'video/quicktime', alsoAs: 'video/mp4', element: 'video' };
const WEBM: MediaType = { name: 'WebM', mime: 'video/webm', element: 'video' };
const MKV: MediaType = { name: 'Matroska', mime: 'video/x-matroska', element: 'video' };
const GIF: MediaType = { name: 'GIF', mime: 'image/gif', element: 'img' };
const WEBP: MediaType = { name: 'WebP', mime: 'image/webp', element: 'img' };
const APNG: MediaType = { name: 'APNG', mime: 'image/apng', element: 'img' };
const PNG: MediaType = { name: 'PNG', mime: 'image/png', element: 'img' };

/** Enough of a file to tell these apart (an APNG's acTL chunk comes before its first IDAT). */
export const SNIFF_BYTES = 64 * 1024;

const ascii = (bytes: Uint8Array, start: number, length: number): string => String.fromCharCode(...bytes.subarray(start, start + length));

/** The media type of a file from its first bytes, or undefined when it is none of these. */
export function sniffMediaType(bytes: Uint8Array): MediaType | undefined {
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === 'ftyp') {
    // QuickTime files name the brand 'qt  '; everything else with ftyp (isom, mp42, avc1, dash...) is MP4.
    return ascii(bytes, 8, 4) === 'qt  ' ? MOV : MP4;
  }
  // Old QuickTime files start with a movie, data or padding atom and no ftyp.
  if (bytes.length >= 8 && ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(ascii(bytes, 4, 4))) return MOV;
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // EBML: the DocType element (0x4282) says webm or matroska.
    const head = ascii(bytes, 0, Math.min(bytes.length, 64));
    return head.includes('webm') ? WEBM : MKV;
  }
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return GIF;
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return WEBP;
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG') return isAnimatedPng(bytes) ? APNG : PNG;
  return undefined;
}

/** Walks the PNG chunks: an acTL before the first IDAT makes it an APNG. */
function isAnimatedPng(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, 4);
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    offset += 12 + length;
  }
  return false;
}

import { extname } from 'node:path';

import { FlipbookError } from '../errors.js';
import type { Container, VideoCodec } from '../engine/index.js';

export interface OutputFormat {
  extension: string;
  container: Container;
  /** Codecs this container takes, the default first. */
  codecs: readonly VideoCodec[];
  /** Index in front of the data (MP4, MOV). */
  faststart: boolean;
}

/** Every output flipbook writes, by extension. The help text and the errors list these. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  { extension: '.mp4', container: 'mp4', codecs: ['h264', 'vp9'], faststart: true },
  { extension: '.mov', container: 'mov', codecs: ['h264'], faststart: true },
  { extension: '.mkv', container: 'matroska', codecs: ['h264', 'vp9'], faststart: false },
  { extension: '.webm', container: 'webm', codecs: ['vp9'], faststart: false },
];

export const VIDEO_CODECS: readonly VideoCodec[] = ['h264', 'vp9'];

export function outputFormatFor(file: string): OutputFormat {
  const extension = extname(file).toLowerCase();
  const format = OUTPUT_FORMATS.find((f) => f.extension === extension);
  if (!format) {
    throw new FlipbookError('UNSUPPORTED_OUTPUT', `Cannot write ${file}: ${extension ? `the extension ${extension} is not supported` : 'it has no extension'}`, {
      file,
      option: 'output',
      hint: `Use one of ${OUTPUT_FORMATS.map((f) => f.extension).join(', ')}`,
    });
  }
  return format;
}

export function checkCodec(format: OutputFormat, codec: VideoCodec): void {
  if (!format.codecs.includes(codec)) {
    throw new FlipbookError('UNSUPPORTED_OUTPUT', `The codec ${codec} cannot be written in ${format.extension}`, {
      option: 'codec',
      hint: `${format.extension} takes ${format.codecs.join(', ')}`,
    });
  }
}

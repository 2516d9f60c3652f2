import { extname } from 'node:path';

import { FlipbookError, text, opt } from '../errors.js';
import type { AnimationCodec, Container, VideoCodec } from '../engine/index.js';

/** A video (a container with a video codec) or an animated image (GIF, WebP, APNG: one codec, no choice). */
export type OutputKind = 'video' | 'animation';

export interface VideoOutputFormat {
  kind: 'video';
  extension: string;
  container: Container;
  /** Codecs this container takes, the default first. */
  codecs: readonly VideoCodec[];
  /** Index in front of the data (MP4, MOV). */
  faststart: boolean;
}

export interface AnimationOutputFormat {
  kind: 'animation';
  extension: string;
  /** The format's own codec and muxer. */
  animation: AnimationCodec;
  /** No video codec to choose. */
  codecs: readonly VideoCodec[];
}

export type OutputFormat = VideoOutputFormat | AnimationOutputFormat;

/** Every output flipbook writes, by extension. The help text and the errors list these. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  { kind: 'video', extension: '.mp4', container: 'mp4', codecs: ['h264', 'h265', 'vp9', 'av1'], faststart: true },
  { kind: 'video', extension: '.mov', container: 'mov', codecs: ['h264', 'h265', 'prores'], faststart: true },
  { kind: 'video', extension: '.mkv', container: 'matroska', codecs: ['h264', 'h265', 'vp9', 'av1'], faststart: false },
  { kind: 'video', extension: '.webm', container: 'webm', codecs: ['vp9', 'av1'], faststart: false },
  { kind: 'animation', extension: '.gif', animation: 'gif', codecs: [] },
  { kind: 'animation', extension: '.webp', animation: 'webp', codecs: [] },
  { kind: 'animation', extension: '.apng', animation: 'apng', codecs: [] },
];

export { VIDEO_CODECS } from '../engine/index.js';

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
  if (format.kind === 'animation') {
    throw new FlipbookError('UNSUPPORTED_OUTPUT', `The codec ${codec} cannot be written in ${format.extension}: it is always ${format.animation}`, {
      option: 'codec',
      hint: text`Leave out ${opt('codec')} for ${format.extension}, or write a video (.mp4, .webm)`,
    });
  }
  if (!format.codecs.includes(codec)) {
    throw new FlipbookError('UNSUPPORTED_OUTPUT', `The codec ${codec} cannot be written in ${format.extension}`, {
      option: 'codec',
      hint: `${format.extension} takes ${format.codecs.join(', ')}`,
    });
  }
}

import { open, readFile } from 'node:fs/promises';
import { basename, isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

import { FlipbookError, type Text, cannotOpen, invalidOption, opt, optChoice, renderText, text } from '../errors.js';
import { parseBytes, parseChoice, parseInteger } from '../options/values.js';
import { escapeAttribute, escapeComment, escapeText } from './escape.js';
import { type MediaType, SNIFF_BYTES, sniffMediaType } from './media-type.js';
import { formatBytes } from '../util/format.js';

export const EMBED_MODES = ['auto', 'always', 'never'] as const;
export type EmbedMode = (typeof EMBED_MODES)[number];

/** 20 MB: a notebook or page that size still opens quickly. */
export const DEFAULT_EMBED_LIMIT = 20_000_000;

export interface HtmlOptions {
  /** Display width in CSS pixels. Default: the media's own (never wider than its container). */
  width?: number | string;
  /** Display height in CSS pixels. Default: from the width and the aspect ratio. */
  height?: number | string;
  /** Videos: start playing at once (muted, as browsers require). Default true. */
  autoplay?: boolean;
  /** Videos: start again at the end. Default true. */
  loop?: boolean;
  /** Videos: show the player's controls. Default true. */
  controls?: boolean;
  /** Videos: no sound. Default true (flipbook's videos have none, and autoplay needs it). */
  muted?: boolean;
  /** `auto`: embed up to embedLimit, link above; `always`; `never`. Default `auto`. */
  embed?: EmbedMode;
  /** Largest file embedded with `embed: 'auto'`: bytes, or `"20MB"`, `"500kB"`. Default 20 MB. */
  embedLimit?: number | string;
  /** The URL a linked file is given by. Default: its path as given (relative to the page), or a file: URL for an absolute path. */
  href?: string;
}

/** A file made ready for a page: what it is, whether it is embedded, and the snippet. */
export interface HtmlMedia {
  file: string;
  type: MediaType;
  bytes: number;
  embedded: boolean;
  /** Why the file is linked rather than embedded (undefined when embedded), options as references: the html command says them as flags. */
  linkedBecause: Text | undefined;
  html: string;
}

/** Base64 grows 4/3: beyond this a data URI no longer fits a JavaScript string. */
const LARGEST_EMBED = 384 * 1024 * 1024;

/**
 * An HTML snippet that shows a video or an animation: `<video>` for MP4, MOV and WebM,
 * `<img>` for GIF, WebP and APNG, with the MIME type of the real container (read from the
 * file's first bytes, never its extension). Embedded as a base64 data URI up to the embed
 * limit, linked above it (or with `embed: 'never'`), and then the snippet says why.
 */
export async function toHTML(file: string, options: HtmlOptions = {}): Promise<string> {
  return (await htmlMedia(file, options)).html;
}

/** toHTML with what it found out, for display() and the html command. */
export async function htmlMedia(file: string, options: HtmlOptions = {}): Promise<HtmlMedia> {
  const opts = resolveHtmlOptions(options);
  if (typeof file !== 'string' || file === '') throw invalidOption('file', 'the path of a video or animation', file);
  const { type, bytes } = await sniffFile(file);
  const name = basename(file);
  let linkedBecause: Text | undefined;
  if (opts.embed === 'never') linkedBecause = text`${opt('embed', 'never')} was asked`;
  else if (opts.embed === 'auto' && bytes > opts.embedLimit) {
    linkedBecause = text`${formatBytes(bytes)} is above the embed limit of ${formatBytes(opts.embedLimit)} (${opt('embedLimit')})`;
  }
  if (linkedBecause === undefined && bytes > LARGEST_EMBED) {
    throw new FlipbookError('INVALID_OPTION', `${file} is ${formatBytes(bytes)}, too large to embed in a page`, { file, option: 'embed', hint: text`Link it instead: ${optChoice('embed', ['auto', 'never'])}` });
  }
  const src = linkedBecause === undefined ? `data:${type.mime};base64,${(await readFile(file)).toString('base64')}` : (opts.href ?? hrefFor(file));
  const size: string[] = [];
  if (opts.width !== undefined) size.push(`width="${opts.width}"`);
  if (opts.height !== undefined) size.push(`height="${opts.height}"`);
  const style = `style="max-width:100%${opts.height === undefined ? ';height:auto' : ''}"`;
  let element: string;
  if (type.element === 'video') {
    const flags = [opts.autoplay && 'autoplay', opts.loop && 'loop', opts.muted && 'muted', 'playsinline', opts.controls && 'controls'].filter(Boolean);
    const sources = [type.mime, ...(type.alsoAs ? [type.alsoAs] : [])].map((mime) => `<source src="${escapeAttribute(src)}" type="${escapeAttribute(mime)}">`).join('');
    element = `<video ${[...size, ...flags, 'preload="auto"', style].join(' ')}>${sources}Your browser cannot play this ${escapeText(type.name)} video (${escapeText(name)}).</video>`;
  } else {
    element = `<img src="${escapeAttribute(src)}" ${[...size, `alt="${escapeAttribute(name)}"`, style].join(' ')}>`;
  }
  const html = linkedBecause === undefined ? element : `<!-- flipbook: ${escapeComment(name)} (${type.name}, ${formatBytes(bytes)}) is linked, not embedded: ${escapeComment(renderText(linkedBecause))} -->\n${element}`;
  return { file, type, bytes, embedded: linkedBecause === undefined, linkedBecause, html };
}

interface ResolvedHtmlOptions {
  width: number | undefined;
  height: number | undefined;
  autoplay: boolean;
  loop: boolean;
  controls: boolean;
  muted: boolean;
  embed: EmbedMode;
  embedLimit: number;
  href: string | undefined;
}

function resolveHtmlOptions(options: HtmlOptions): ResolvedHtmlOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object of HTML options', options);
  const flag = (value: unknown, option: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw invalidOption(option, 'true or false', value);
    return value;
  };
  if (options.href !== undefined && (typeof options.href !== 'string' || options.href === '')) throw invalidOption('href', 'a URL', options.href);
  return {
    width: options.width === undefined ? undefined : parseInteger(options.width, 'width', 1, 100_000),
    height: options.height === undefined ? undefined : parseInteger(options.height, 'height', 1, 100_000),
    autoplay: flag(options.autoplay, 'autoplay', true),
    loop: flag(options.loop, 'loop', true),
    controls: flag(options.controls, 'controls', true),
    muted: flag(options.muted, 'muted', true),
    embed: parseChoice(options.embed ?? 'auto', 'embed', EMBED_MODES),
    embedLimit: options.embedLimit === undefined ? DEFAULT_EMBED_LIMIT : parseBytes(options.embedLimit, 'embedLimit'),
    href: options.href,
  };
}

async function sniffFile(file: string): Promise<{ type: MediaType; bytes: number }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw cannotOpen(file, cause);
  }
  try {
    const stats = await handle.stat();
    // A directory opens for reading on Linux; its read fails with a bare EISDIR.
    if (stats.isDirectory()) throw cannotOpen(file, { code: 'EISDIR' });
    const { size } = stats;
    const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    await handle.read(head, 0, head.length, 0);
    const type = sniffMediaType(head);
    if (!type) {
      throw new FlipbookError('INVALID_INPUT', `${file} is not a video or animation a page can show: its first bytes are not MP4, MOV, WebM, GIF, WebP or PNG/APNG`, {
        file,
        hint: 'Pass a video flipbook wrote (MP4, MOV, WebM) or an animation (GIF, WebP, APNG)',
      });
    }
    return { type, bytes: size };
  } finally {
    await handle.close();
  }
}

/** A relative path as a URL path (each part escaped); an absolute one as a file: URL. */
export function hrefFor(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.split(sep).join('/').split('/').map(encodeURIComponent).join('/');
}

import { dirname, extname, relative, sep } from 'node:path';

import { invalidOption } from '../errors.js';

export type ManifestFormat = 'csv' | 'json';

/** One frame file, as the manifest lists it. */
export interface ManifestEntry {
  /** 0-based position among the frames written. */
  index: number;
  /** Seconds from the start of the video. */
  time: number;
  /** The file as written (relative to the working directory, or absolute, as the pattern was). */
  file: string;
  /** 0-based frame number in the video (undefined after a seek or with keyframes only). */
  sourceIndex: number | undefined;
  /** Timestamp in ticks of the stream's time base. */
  pts: number;
  keyframe: boolean;
}

export function manifestFormatFor(file: unknown): ManifestFormat {
  if (typeof file === 'string') {
    const ext = extname(file).toLowerCase();
    if (ext === '.csv') return 'csv';
    if (ext === '.json') return 'json';
  }
  throw invalidOption('manifest', 'a file name ending in .csv or .json', file);
}

/** Times with microsecond precision, without float noise (0.1 + 0.2). */
function seconds(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The manifest's text. File names are relative to the manifest's own directory (with `/`),
 * so the manifest and the frames can be moved together.
 */
export function manifestText(manifest: string, entries: readonly ManifestEntry[], about: Record<string, unknown>): string {
  const base = dirname(manifest);
  const rows = entries.map((e) => ({ ...e, time: seconds(e.time), file: relative(base, e.file).split(sep).join('/') }));
  if (manifestFormatFor(manifest) === 'json') {
    return `${JSON.stringify({ ...about, frames: rows.map((r) => ({ index: r.index, time: r.time, file: r.file, sourceIndex: r.sourceIndex ?? null, pts: r.pts, keyframe: r.keyframe })) }, null, 2)}\n`;
  }
  const lines = ['index,time,file,source_index,pts,keyframe'];
  for (const r of rows) lines.push([String(r.index), String(r.time), csvField(r.file), r.sourceIndex === undefined ? '' : String(r.sourceIndex), String(r.pts), r.keyframe ? '1' : '0'].join(','));
  return `${lines.join('\n')}\n`;
}

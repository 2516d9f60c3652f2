/**
 * FFmpeg opens a name as a URL: `concat:a.mp4|b.mp4`, `pipe:0`, `subfile,,...:x.mp4`, `file:x`,
 * `cache:x` and `http:/host/x.mp4` are legal relative paths that its protocols would read as
 * other files, standard input or the network. flipbook opens local files only: every path
 * FFmpeg sees is absolute and spelled `file:/...`, inputs are opened with the file protocol
 * alone allowed, and demuxers that read other files than the one named (concat scripts,
 * playlists, manifests, image sequences, subtitle pairs) are refused. The user may allow the
 * playlists (`allowPlaylists`): the file protocol alone still applies to everything they open,
 * so a concat script or a playlist reaches local files only.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';

import { Dictionary, InputFormat } from 'node-av/lib';

import { FlipbookError, opt, text } from '../errors.js';
import type { MediaInputOptions } from '../options/input-options.js';

/** The URL FFmpeg is given for a local path: `file:` and the absolute path, nothing parsed. */
export function localFileUrl(path: string): string {
  return `file:${resolve(path)}`;
}

/**
 * Options for avformat_open_input: only the file protocol, for the file and anything a demuxer
 * opens beside it; and image2 reads the one file named, never a `%d` sequence or a glob.
 */
export function localInputOptions(open: LocalOpenOptions = {}): Dictionary {
  // The concat demuxer's `safe` mode refuses absolute paths in the script; with playlists asked
  // for, a script may name any local file (the protocol whitelist still keeps it to files).
  return Dictionary.fromObject({ protocol_whitelist: 'file', pattern_type: 'none', ...(open.allowPlaylists === true ? { safe: '0' } : {}) });
}

/** Demuxers that read other files than the one named (or the network), and what they are. */
const OPENS_OTHER_FILES: Readonly<Record<string, string>> = {
  concat: 'an FFmpeg concat script',
  hls: 'an HLS playlist (m3u8)',
  applehttp: 'an HLS playlist (m3u8)',
  dash: 'a DASH manifest (mpd)',
  imf: 'an IMF composition playlist',
  vobsub: 'a VobSub index (idx)',
  sdp: 'an SDP session description',
  rtp: 'an RTP session',
  rtsp: 'an RTSP session',
  sap: 'a SAP announcement',
  avisynth: 'an AviSynth script',
  vapoursynth: 'a VapourSynth script',
  lavfi: 'a filter graph description',
};

/**
 * The demuxers of OPENS_OTHER_FILES that `allowPlaylists` lets through: they list local media
 * files. The others (network sessions, scripts that run code, filter graphs that can open any
 * file without the protocol whitelist) stay refused.
 */
const PLAYLISTS: ReadonlySet<string> = new Set(['concat', 'hls', 'applehttp', 'dash', 'imf', 'vobsub']);

/** How many bytes are probed before FFmpeg opens the file (its probes of text formats need a few). */
const PROBE_BYTES = 64 * 1024;

/** The error for a file whose format would make FFmpeg read other files. */
function opensOtherFiles(file: string, demuxer: string): FlipbookError {
  const what = OPENS_OTHER_FILES[demuxer] ?? `a ${demuxer} file`;
  if (PLAYLISTS.has(demuxer)) {
    return new FlipbookError('INVALID_INPUT', `${file} is ${what}, which names other files to read: flipbook reads only the file it is given unless asked`, {
      file,
      option: 'allowPlaylists',
      hint: text`Pass ${opt('allowPlaylists', true)} to read the local files it lists, or pass the media file itself`,
    });
  }
  return new FlipbookError('INVALID_INPUT', `${file} is ${what}, which names other files or streams to read: flipbook reads only the file it is given`, {
    file,
    hint: 'Pass the media file itself (the files it lists can be passed one by one)',
  });
}

/** What may be opened beside the named file: with `allowPlaylists`, concat scripts and playlists (their entries through the file protocol alone). */
export type LocalOpenOptions = MediaInputOptions;

/**
 * Refuses a file whose first bytes are a format that reads other files, before FFmpeg opens it
 * (a concat script would open its first entry while FFmpeg reads its header).
 */
export async function refuseIndirectFormat(file: string, options: LocalOpenOptions = {}): Promise<void> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(PROBE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, PROBE_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const name = InputFormat.probe(head, resolve(file))?.name;
  if (name) checkDemuxer(file, name, options);
}

/** After FFmpeg opened the file: its demuxer must read that file alone (or be an allowed playlist). */
export function checkDemuxer(file: string, demuxer: string | null | undefined, options: LocalOpenOptions = {}): void {
  for (const name of (demuxer ?? '').split(',')) {
    if (name in OPENS_OTHER_FILES && !(options.allowPlaylists === true && PLAYLISTS.has(name))) throw opensOtherFiles(file, name);
  }
}

import type { Command } from 'commander';

import type { SelectionOptions } from '../../options/split-options.js';

/** The selection flags as commander hands them over (strings; the library validates). */
export interface SelectionFlags {
  fps?: string;
  every?: string;
  start?: string;
  end?: string;
  duration?: string;
  frameNumbers?: string;
  keyframesOnly?: boolean;
  width?: string;
  height?: string;
  scale?: string;
  maxFrames?: string;
  allowPlaylists?: boolean;
}

/** The help of --allow-playlists, for every command that reads a video. */
export const ALLOW_PLAYLISTS_HELP = 'read a concat script or an HLS/DASH playlist: the local files it lists (never the network or a protocol) (default: refused)';

/** The frame selection options split shares with other commands that read frames. */
export function addSelectionOptions(command: Command): Command {
  return command
    .option('--fps <rate>', 'resample to this many frames per second, like ffmpeg\'s fps filter (25, 0.5, 30000/1001) (default: every stored frame, with its own time)')
    .option('--every <n>', 'keep every nth frame (default: 1, all)')
    .option('--start <time>', 'start here: seconds or hh:mm:ss.ms; seeks to the keyframe before it, then decodes exactly to it (default: 0)')
    .option('--end <time>', 'stop before this time (default: the end)')
    .option('--duration <time>', 'stop this long after --start (default: to the end)')
    .option('--frame-numbers <list>', 'only these 0-based frame numbers: 0,10,20-25 (default: all)')
    .option('--keyframes-only', 'only keyframes; fast, the other frames are not decoded', false)
    .option('--width <px>', 'output width; the height keeps the aspect ratio (default: the video\'s, upright)')
    .option('--height <px>', 'output height; the width keeps the aspect ratio (with --width: fit inside both) (default: the video\'s)')
    .option('--scale <factor>', 'scale both sides, such as 0.5 (default: 1)')
    .option('--max-frames <n>', 'stop after this many frames (default: no limit)')
    .option('--allow-playlists', ALLOW_PLAYLISTS_HELP, false);
}

export function selectionFromFlags(flags: SelectionFlags): SelectionOptions {
  const options: SelectionOptions = {};
  const keys = ['fps', 'every', 'start', 'end', 'duration', 'frameNumbers', 'width', 'height', 'scale', 'maxFrames'] as const;
  for (const key of keys) {
    const value = flags[key];
    if (value !== undefined) options[key] = value;
  }
  if (flags.keyframesOnly) options.keyframesOnly = true;
  if (flags.allowPlaylists) options.allowPlaylists = true;
  return options;
}

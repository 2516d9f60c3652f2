import { invalidOption } from '../errors.js';

/** How a video (or music) input may be opened. */
export interface MediaInputOptions {
  /**
   * Read a concat script, an HLS or DASH playlist, an IMF composition or a VobSub index: formats
   * that name other files to read. They are refused by default (flipbook reads the one file it is
   * given). Even when allowed, only local files are opened: no network, no standard input, no
   * FFmpeg protocol. Default false.
   */
  allowPlaylists?: boolean;
}

/** `allowPlaylists` checked: true or false. */
export function resolveAllowPlaylists(options: MediaInputOptions): boolean {
  const value = options.allowPlaylists;
  if (value !== undefined && typeof value !== 'boolean') throw invalidOption('allowPlaylists', 'true or false', value);
  return value === true;
}

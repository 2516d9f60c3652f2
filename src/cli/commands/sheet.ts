import type { Command } from 'commander';

import type { ContactSheetOptions } from '../../options/split-options.js';
import { type ContactSheetResult, SHEET_DEFAULTS, contactSheet } from '../../read/contact-sheet.js';
import { formatBytes } from '../reporter.js';
import { plural } from '../../util/format.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';
import { ALLOW_PLAYLISTS_HELP } from './selection-flags.js';

interface SheetFlags extends CommonOptions {
  output: string;
  columns?: string;
  rows?: string;
  every?: string;
  width?: string;
  labels?: boolean;
  imageQuality?: string;
  overwrite?: boolean;
  allowPlaylists?: boolean;
}

export function registerSheet(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('sheet')
    .summary('a video in, one image of thumbnails out (a contact sheet)')
    .description('Write one PNG or JPEG with a grid of thumbnails across the whole video, each with its time, for a look at a whole video at once.')
    .argument('<video>', 'the video to read')
    .requiredOption('-o, --output <file>', 'the image to write: .png or .jpg (also .webp, .tif, .bmp)')
    .option('--columns <n>', `thumbnails per row (default: ${SHEET_DEFAULTS.columns})`)
    .option('--rows <n>', `rows, the thumbnails spread evenly over the video (default: ${SHEET_DEFAULTS.rows}, or as many as --every needs)`)
    .option('--every <time>', 'one thumbnail every so long (10, 30s, 1m), instead of --rows (default: spread evenly)')
    .option('--width <px>', `width of the whole sheet (default: ${SHEET_DEFAULTS.width})`)
    .option('--no-labels', 'leave out the timestamps (default: print them)')
    .option('--image-quality <n>', 'JPEG quality, 1 to 100 (default: 90)')
    .option('-y, --overwrite', 'replace the output if it exists', false)
    .option('--allow-playlists', ALLOW_PLAYLISTS_HELP, false);
  addCommonOptions(command);
  command.action(async (video: string, flags: SheetFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter, signal }) => {
        const options: ContactSheetOptions = {
          overwrite: flags.overwrite === true,
          labels: flags.labels !== false,
          allowPlaylists: flags.allowPlaylists === true,
          signal,
          onWarning: (message) => reporter.warning(message),
          onProgress: (p) => reporter.progress(p, 'thumbnails'),
          ...(flags.columns === undefined ? {} : { columns: flags.columns }),
          ...(flags.rows === undefined ? {} : { rows: flags.rows }),
          ...(flags.every === undefined ? {} : { every: flags.every }),
          ...(flags.width === undefined ? {} : { width: flags.width }),
          ...(flags.imageQuality === undefined ? {} : { imageQuality: flags.imageQuality }),
        };
        const started = performance.now();
        const result = await contactSheet(video, flags.output, options);
        reporter.stop();
        const seconds = (performance.now() - started) / 1000;
        const { thumbnails, ...rest } = result;
        reporter.event('done', { ...rest, thumbnails: thumbnails.length, times: thumbnails.map((t) => Math.round(t.time * 1000) / 1000), seconds: Math.round(seconds * 1000) / 1000 });
        reporter.info(summaryLine(result, seconds));
      }),
    );
  });
}

function summaryLine(r: ContactSheetResult, seconds: number): string {
  return `Wrote ${r.output}: ${r.columns}x${r.rows} grid of ${plural(r.thumbnails.length, 'thumbnail')} (${r.thumbWidth}x${r.thumbHeight} each), ${r.width}x${r.height}, ${formatBytes(r.bytes)} in ${seconds.toFixed(1)} s`;
}

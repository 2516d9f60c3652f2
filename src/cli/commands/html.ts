import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { type Command, Option } from 'commander';

import { FlipbookError, renderText, systemReason } from '../../errors.js';
import { flagStyle } from '../flags.js';
import { EMBED_MODES, type EmbedMode, type HtmlOptions, hrefFor, htmlMedia } from '../../html/to-html.js';
import { formatBytes } from '../../util/format.js';
import { escapeText } from '../../html/escape.js';
import { SafeOutput } from '../../output/safe-output.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';

interface HtmlFlags extends CommonOptions {
  output?: string;
  width?: string;
  height?: string;
  embed: EmbedMode;
  embedLimit: string;
  autoplay: boolean;
  loop: boolean;
  controls: boolean;
  overwrite?: boolean;
}

export function registerHtml(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('html')
    .summary('a web page that plays a video or animation')
    .description(
      'Write a self-contained HTML page that plays a video (MP4, MOV, WebM: <video>) or an animation (GIF, WebP, APNG: <img>). The file is embedded as a data URI up to --embed-limit, and linked (by a path relative to the page) above it or with --embed never.',
    )
    .argument('<file>', 'the video or animation')
    .option('-o, --output <page>', 'the page to write (default: the file\'s name with .html, beside it)')
    .option('--width <px>', 'display width in CSS pixels (default: the video\'s own, at most the window\'s)')
    .option('--height <px>', 'display height in CSS pixels (default: from the width)')
    .addOption(new Option('--embed <mode>', 'embed the file in the page').choices(EMBED_MODES).default('auto'))
    .option('--embed-limit <size>', 'largest file embedded with --embed auto (20MB, 500kB, bytes)', '20MB')
    .option('--no-autoplay', 'do not start playing on load')
    .option('--no-loop', 'play once')
    .option('--no-controls', 'hide the player\'s controls')
    .option('-y, --overwrite', 'replace the page if it exists', false);
  addCommonOptions(command);
  command.action(async (file: string, flags: HtmlFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter }) => {
        const page = flags.output ?? join(dirname(file), `${basename(file, extname(file))}.html`);
        const options: HtmlOptions = {
          embed: flags.embed,
          embedLimit: flags.embedLimit,
          autoplay: flags.autoplay,
          loop: flags.loop,
          controls: flags.controls,
          href: hrefFor(relative(dirname(resolve(page)), resolve(file))),
          ...(flags.width === undefined ? {} : { width: flags.width }),
          ...(flags.height === undefined ? {} : { height: flags.height }),
        };
        const out = await SafeOutput.create(page, { overwrite: flags.overwrite === true, inputs: [file] });
        let media;
        try {
          media = await htmlMedia(file, options);
          await writeFile(out.temporary, pageFor(basename(file), media.html)).catch((cause: NodeJS.ErrnoException) => {
            throw new FlipbookError('IO', `Cannot write ${page}: ${systemReason(cause)}`, { file: page, cause });
          });
        } catch (error) {
          await out.discard();
          throw error;
        }
        await out.commit();
        const { size } = await stat(page);
        // Why it is linked, its options as flags (the page's comment keeps the library's words: the page is its output).
        const linkedBecause = media.linkedBecause === undefined ? undefined : renderText(media.linkedBecause, flagStyle);
        reporter.event('done', { output: page, file, mime: media.type.mime, bytes: media.bytes, embedded: media.embedded, linkedBecause: linkedBecause ?? null, pageBytes: size });
        const how = media.embedded ? 'embedded' : `linked (${linkedBecause})`;
        reporter.info(`Wrote ${page}: ${file} ${how}, ${media.type.name} ${formatBytes(media.bytes)}; page ${formatBytes(size)}`);
      }),
    );
  });
}

function pageFor(title: string, snippet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeText(title)}</title>
<style>html,body{margin:0;height:100%;background:#111}body{display:flex;align-items:center;justify-content:center}</style>
</head>
<body>
${snippet}
</body>
</html>
`;
}

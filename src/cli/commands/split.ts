import type { Command } from 'commander';

import { DEFAULT_FRAME_NAME, IMAGE_OUTPUTS } from '../../output/frame-pattern.js';
import type { SplitOptions } from '../../options/split-options.js';
import { formatFraction } from '../../options/values.js';
import { type SplitPlan, type SplitResult, planSplit, runSplit } from '../../read/split.js';
import { formatBytes } from '../reporter.js';
import { plural } from '../../util/format.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';
import { addSelectionOptions, selectionFromFlags, type SelectionFlags } from './selection-flags.js';

interface SplitFlags extends CommonOptions, SelectionFlags {
  output?: string;
  startNumber?: string;
  depth?: string;
  imageQuality?: string;
  manifest?: string;
  overwrite?: boolean;
  dryRun?: boolean;
}

export function registerSplit(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('split')
    .summary('a video in, image files out')
    .description(
      `Split a video into image files, like ffmpeg -i movie.mp4 img_%05d.png. Frames come out upright (rotation metadata applied), in square pixels (as players show a non-square sample aspect ratio) and, without --fps, as stored: a variable frame rate keeps its own timestamps.\nOutputs, by extension: ${[...new Set(IMAGE_OUTPUTS.map((o) => o.extension))].join(', ')}.`,
    )
    .argument('<video>', 'the video to read')
    .option('-o, --output <pattern>', `files to write: a pattern such as frames/img_%05d.png, or a directory (then ${DEFAULT_FRAME_NAME} inside it) (default: <video name>_frames/)`)
    .option('--start-number <n>', 'number of the first file (default: 1)')
    .option('--depth <bits>', '8, or 16 for 16-bit PNG/TIFF from a 10-bit or deeper video (default: 8)')
    .option('--image-quality <n>', 'JPEG and WebP quality, 1 to 100 (default: 90 for JPEG, 80 for WebP)')
    .option('--manifest <file>', 'also write a list of index, time and file: a .csv or .json path (default: none)');
  addSelectionOptions(command)
    .option('-y, --overwrite', 'replace existing frame files (default: refuse, and say how many)', false)
    .option('--dry-run', 'print the plan and write nothing', false);
  addCommonOptions(command);
  command.action(async (video: string, flags: SplitFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter, signal }) => {
        const options: SplitOptions = {
          ...selectionFromFlags(flags),
          overwrite: flags.overwrite === true,
          dryRun: flags.dryRun === true,
          signal,
          onWarning: (_message, text) => reporter.warning(text),
          onProgress: (p) => reporter.progress(p),
          ...(flags.startNumber === undefined ? {} : { startNumber: flags.startNumber }),
          ...(flags.depth === undefined ? {} : { depth: flags.depth }),
          ...(flags.imageQuality === undefined ? {} : { imageQuality: flags.imageQuality }),
          ...(flags.manifest === undefined ? {} : { manifest: flags.manifest }),
        };
        const plan = await planSplit(video, flags.output, options);
        reporter.event('plan', planSummary(plan));
        if (flags.dryRun) {
          reporter.info(describeSplitPlan(plan));
          return;
        }
        const started = performance.now();
        const result = await runSplit(plan, options);
        reporter.stop();
        const seconds = (performance.now() - started) / 1000;
        reporter.event('done', {
          ...resultSummary(result),
          seconds: Math.round(seconds * 1000) / 1000,
        });
        reporter.info(summaryLine(result, seconds));
      }),
    );
  });
}

/** What the plan and the result of `--json` both say, the same way. */
function commonSummary(x: SplitPlan | SplitResult): Record<string, unknown> {
  return {
    video: x.video,
    output: x.output,
    imageFormat: x.imageFormat,
    mode: x.mode,
    fps: x.fps ? formatFraction(x.fps) : null,
    width: x.width,
    height: x.height,
    depth: x.depth,
    manifest: x.manifest ?? null,
  };
}

function planSummary(plan: SplitPlan): Record<string, unknown> {
  return {
    ...commonSummary(plan),
    rotation: plan.rotation,
    imageQuality: plan.imageQuality ?? null,
    start: plan.selection.start,
    end: plan.selection.end ?? null,
    estimatedFrames: plan.estimatedFrames ?? null,
    firstFile: plan.firstFile,
  };
}

function resultSummary(r: SplitResult): Record<string, unknown> {
  return {
    ...commonSummary(r),
    frames: r.frames,
    first: r.files[0] ?? null,
    last: r.files.at(-1) ?? null,
    bytes: r.bytes,
    warnings: r.warnings,
  };
}

export function describeSplitPlan(plan: SplitPlan): string {
  const v = plan.info.video;
  const sel = plan.selection;
  const range = `${sel.start > 0 ? `from ${sel.start} s ` : ''}${sel.end !== undefined ? `to ${sel.end} s` : sel.start > 0 ? 'to the end' : 'the whole video'}`;
  const picks = [
    sel.frameNumbers ? `frame numbers ${sel.frameNumbers.length > 8 ? `${sel.frameNumbers.slice(0, 8).join(', ')}...` : sel.frameNumbers.join(', ')}` : '',
    sel.keyframesOnly ? 'keyframes only' : '',
    sel.every > 1 ? `every ${sel.every}th` : '',
    sel.maxFrames !== undefined ? `at most ${sel.maxFrames}` : '',
  ].filter(Boolean);
  const lines = [
    `Plan for ${plan.video} (dry run: nothing written)`,
    `  source:   ${v ? `${v.codec} ${v.pixelFormat} ${v.width}x${v.height}${v.rotation ? `, rotated ${v.rotation}°` : ''}, ${v.avgFrameRate ? formatFraction(v.avgFrameRate) : '?'} fps` : '?'}`,
    `  frames:   ${plan.mode === 'fps' && plan.fps ? `resampled to ${formatFraction(plan.fps)} fps` : 'as stored (passthrough)'}, ${range}${picks.length ? `, ${picks.join(', ')}` : ''}`,
    `  expected: ${plan.estimatedFrames === undefined ? 'unknown (counted while splitting)' : `about ${plural(plan.estimatedFrames, 'file')}`}`,
    `  output:   ${plan.output} from ${plan.firstFile}, ${plan.imageFormat} ${plan.width}x${plan.height}${plan.depth === 16 ? ' 16-bit' : ''}${plan.imageQuality !== undefined ? ` quality ${plan.imageQuality}` : ''}`,
  ];
  if (plan.manifest) lines.push(`  manifest: ${plan.manifest}`);
  return lines.join('\n');
}

function summaryLine(r: SplitResult, seconds: number): string {
  const mode = r.mode === 'fps' && r.fps ? `resampled to ${formatFraction(r.fps)} fps` : 'passthrough';
  const span = r.files.length > 1 ? `${r.files[0]} to ${r.files.at(-1)}` : (r.files[0] ?? '');
  return `Wrote ${plural(r.frames, `${r.imageFormat} file`)} (${span}), ${r.width}x${r.height}, ${mode}, ${formatBytes(r.bytes)} in ${seconds.toFixed(1)} s${r.manifest ? `; manifest ${r.manifest}` : ''}`;
}

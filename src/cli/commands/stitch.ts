import { type Command, Option } from 'commander';

import { RECIPES, X264_PRESETS } from '../../engine/index.js';
import { SORT_ORDERS } from '../../inputs/sort.js';
import { AUDIO_FITS } from '../../options/audio-options.js';
import { TRANSITIONS } from '../../engine/index.js';
import { ALPHA_MODES, HWACCEL_CHOICES } from '../../options/codec-options.js';
import { QUALITIES } from '../../engine/index.js';
import { OUTPUT_FORMATS, VIDEO_CODECS } from '../../options/output-formats.js';
import { FIT_MODES, OUTPUT_DEFAULTS, type StitchOptions } from '../../options/output-options.js';
import { formatFraction } from '../../options/values.js';
import { ANIMATION_DEFAULTS } from '../../options/animation-options.js';
import { DITHERS } from '../../engine/index.js';
import { planStitch, type StitchPlan } from '../../stitch/plan.js';
import { runStitch } from '../../stitch/stitch.js';
import type { OutputResult } from '../../core/output.js';
import { formatBytes, terminalSafe } from '../reporter.js';
import { plural } from '../../util/format.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';

interface StitchFlags extends CommonOptions {
  output: string;
  fps: string;
  vfr?: boolean;
  frameLimit: string;
  memoryLimit: string;
  hold?: string;
  size?: string;
  width?: string;
  height?: string;
  fit: StitchOptions['fit'];
  background: string;
  sort?: StitchOptions['sort'];
  startNumber?: string;
  codec?: StitchOptions['codec'];
  crf?: string;
  preset: string;
  bitrate?: string;
  limitPixels: string;
  skipInvalid?: boolean;
  overwrite?: boolean;
  dryRun?: boolean;
  quality?: StitchOptions['quality'];
  alpha?: StitchOptions['alpha'];
  hwaccel?: string;
  audio?: string;
  crossfade?: string;
  transition?: StitchOptions['transition'];
  fadeIn?: string;
  fadeOut?: string;
  holdLast?: string;
  audioFit?: StitchOptions['audioFit'];
  audioFade?: string;
  audioOffset?: string;
  volume?: string;
  allowPlaylists?: boolean;
  dither?: StitchOptions['dither'];
  colors?: string;
  loop?: string;
  lossless?: boolean;
  tolerance?: string;
  lossy?: string;
  maxSize?: string;
  queue?: string;
  workDir?: string;
  queueWait?: string;
  jobs?: string;
}

export function registerStitch(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('stitch')
    .summary('images in, a video out')
    .description(
      `Stitch images into a video. Inputs are files (order kept, repeats allowed), directories, globs such as "frames/*.png" (quote them; flipbook expands them itself) or sequences such as img_%05d.png.\nOutputs: ${OUTPUT_FORMATS.map((f) => f.extension).join(', ')} (H.264 High yuv420p; VP9 for .webm).`,
    )
    .argument('<inputs...>', 'image files, directories, globs or %05d sequences')
    .requiredOption('-o, --output <file>', 'the video to write (its extension picks the format)')
    .option('--fps <rate>', 'frames per second (25, 29.97, 30000/1001)', String(OUTPUT_DEFAULTS.fps))
    .option('--hold <time>', 'hold each image this long (2s, 500ms): a slideshow (default: one frame each, at --fps)')
    .option('--size <WxH>', 'frame size (default: the first image\'s)')
    .option('--width <px>', 'frame width; the height keeps the first image\'s aspect ratio (default: the first image\'s)')
    .option('--height <px>', 'frame height; the width keeps the first image\'s aspect ratio (default: the first image\'s)')
    .addOption(new Option('--fit <mode>', 'how images of another size are fitted').choices(FIT_MODES).default(OUTPUT_DEFAULTS.fit.stitch))
    .option('--background <colour>', 'behind letterboxing, padding and transparency: any CSS colour name (rebeccapurple), #rrggbb, #rgb, rgb(r, g, b) or 0xrrggbb; opaque (#rrggbbff, rgba(..., 1)): a see-through one is refused', OUTPUT_DEFAULTS.background)
    .addOption(new Option('--sort <order>', 'order of glob and directory matches; given, it orders every input (default: natural)').choices(SORT_ORDERS))
    .option('--start-number <n>', 'first number of a %05d sequence (default: the first of 0-4 that exists)')
    .addOption(new Option('--codec <codec>', 'video codec: h265 (hvc1), av1 (SVT-AV1), prores (4444, .mov) (default: h264; vp9 for .webm)').choices(VIDEO_CODECS))
    .option('--crf <n>', `constant quality, lower is better (default: ${RECIPES.h264.crf?.default} for h264, ${RECIPES.h265.crf?.default} for h265, ${RECIPES.vp9.crf?.default} for vp9, ${RECIPES.av1.crf?.default} for av1)`)
    .addOption(new Option('--preset <name>', 'encoder speed preset').choices(X264_PRESETS).default(OUTPUT_DEFAULTS.preset))
    .addOption(new Option('--quality <level>', 'one knob for the codec\'s settings (see README); --crf, given, wins (default: the codec\'s crf)').choices(QUALITIES))
    .addOption(new Option('--alpha <mode>', 'transparency: keep (VP9 .webm/.mkv, ProRes .mov, GIF, WebP, APNG) or flatten onto --background (default: keep where the format carries it)').choices(ALPHA_MODES))
    .addOption(new Option('--hwaccel <encoder>', 'hardware encoder: auto (one that works, else software with a notice), none, or a name (default: none)').choices(HWACCEL_CHOICES))
    .option('--bitrate <rate>', 'target bit rate such as 2M or 800k, instead of --crf (default: none, constant quality)')
    .option('--limit-pixels <n>', 'refuse images whose header declares more pixels (0: no limit)', String(OUTPUT_DEFAULTS.limitPixels))
    .option('--skip-invalid', 'skip unreadable, corrupt or truncated images with a warning', false)
    .option('--crossfade <time>', 'blend each image into the next over this long (0.5s), taken from the end of each image (default: none)')
    .addOption(new Option('--transition <name>', 'the transition between images, from FFmpeg\'s xfade set (default: fade; alone it lasts 0.5s)').choices(TRANSITIONS))
    .option('--fade-in <time>', 'fade in from black at the start (1s) (default: none)')
    .option('--fade-out <time>', 'fade out to black at the end (1s) (default: none)')
    .option('--hold-last <time>', 'show the last image this much longer (2s) (default: none)')
    .option('--audio <file>', 'music beside the video (mp3, wav, m4a, aac, ogg, opus, flac): AAC in .mp4/.mov/.mkv, Opus in .webm (default: none)')
    .addOption(new Option('--audio-fit <mode>', 'music longer or shorter than the video: trim (cut to the video), loop, pad (silence), extend (hold the last image until the music ends) (default: trim)').choices(AUDIO_FITS))
    .option('--audio-fade <time>', 'fade the music out over its last seconds (1s) (default: none)')
    .option('--audio-offset <time>', 'start the music this far into the video (2s); negative skips into the track (--audio-offset=-10s) (default: 0)')
    .option('--volume <gain>', 'music volume: 0.5, 150%, -6dB (default: 1)')
    .option('--allow-playlists', 'the --audio file may be a concat script or an HLS/DASH playlist: the local files it lists (never the network or a protocol) (default: refused)', false)
    .addOption(new Option('--dither <mode>', `GIF: dithering to the palette (default: ${ANIMATION_DEFAULTS.dither})`).choices(DITHERS))
    .option('--colors <n>', `GIF: palette size, 2-256, computed from the frames (default: ${ANIMATION_DEFAULTS.colors})`)
    .option('--loop <n>', `GIF, WebP, APNG: times the animation plays, 0 forever (default: ${ANIMATION_DEFAULTS.loop})`)
    .option('--lossless', 'WebP: lossless instead of lossy (default: lossy)')
    .option('--tolerance <n>', `GIF: a pixel whose colour moved by at most this much (0-255) keeps its old colour; a size knob for grainy footage (default: ${ANIMATION_DEFAULTS.tolerance})`)
    .option('--lossy <n>', `GIF: lossy LZW, a pixel may be written as a colour at most this far (RGB distance, 0-441) from its own when that compresses better; a size knob (default: ${ANIMATION_DEFAULTS.lossy})`)
    .option('--max-size <size>', 'GIF: the largest file (8MB, 500kB): smaller widths, frame rates and palettes are tried until it fits (default: no limit)')
    .option('--vfr', 'variable frame rate: each image one sample held by its timestamp (smaller, faster slideshows; but `ffmpeg -ss` and some editors cannot find a held image) (default: every frame of --fps exists)')
    .option('--frame-limit <n>', 'refuse a plan of more frames (0: no limit)', String(OUTPUT_DEFAULTS.frameLimit))
    .option('--memory-limit <bytes>', 'refuse images whose decoding would take more memory, estimated from their headers: 12 bytes a pixel, 2 images at once (0: no limit)', '4GB')
    .option('--queue <url>', 'render the segments on flipbook workers through this Redis server: redis://host:6379 (with --work-dir) (default: on this machine)')
    .option('--work-dir <dir>', 'with --queue: the directory this machine and every worker share, where the segments are written')
    .option('--queue-wait <time>', `with --queue: how long to wait for a worker to take the first segment before failing (seconds, 5m; 0: for ever) (default: ${OUTPUT_DEFAULTS.queueWait})`)
    .option('--jobs <n>', 'render in parallel: segments of a few seconds on this many worker processes, joined by stream copy (video at a constant rate, without transitions; a GIF: one palette, joined under one header) (default: 1)')
    .option('-y, --overwrite', 'replace the output if it exists', false)
    .option('--dry-run', 'print the plan and write nothing', false);
  addCommonOptions(command);
  command.action(async (inputs: string[], flags: StitchFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter, signal }) => {
        const options: StitchOptions = {
          fps: flags.fps,
          fit: flags.fit,
          background: flags.background,
          preset: flags.preset,
          limitPixels: flags.limitPixels,
          frameLimit: flags.frameLimit,
          memoryLimit: flags.memoryLimit,
          vfr: flags.vfr === true,
          overwrite: flags.overwrite === true,
          skipInvalid: flags.skipInvalid === true,
          signal,
          onWarning: (_message, text) => reporter.warning(text),
          onProgress: (p) => reporter.progress(p),
          ...defined({
            hold: flags.hold,
            size: flags.size,
            width: flags.width,
            height: flags.height,
            sort: flags.sort,
            startNumber: flags.startNumber,
            codec: flags.codec,
            crf: flags.crf,
            bitrate: flags.bitrate,
            quality: flags.quality,
            alpha: flags.alpha,
            hwaccel: flags.hwaccel,
            audio: flags.audio,
            crossfade: flags.crossfade,
            transition: flags.transition,
            fadeIn: flags.fadeIn,
            fadeOut: flags.fadeOut,
            holdLast: flags.holdLast,
            audioFit: flags.audioFit,
            audioFade: flags.audioFade,
            audioOffset: flags.audioOffset,
            volume: flags.volume,
            allowPlaylists: flags.allowPlaylists === true,
            dither: flags.dither,
            colors: flags.colors,
            loop: flags.loop,
            lossless: flags.lossless,
            maxSize: flags.maxSize,
            tolerance: flags.tolerance,
            queue: flags.queue,
            workDir: flags.workDir,
            queueWait: flags.queueWait,
            jobs: flags.jobs,
            lossy: flags.lossy,
          }),
        };
        const plan = await planStitch(inputs, flags.output, options, { running: !flags.dryRun });
        reporter.event('plan', planSummary(plan));
        if (flags.dryRun) {
          reporter.info(describePlan(plan));
          return;
        }
        const started = performance.now();
        const result = await runStitch(plan, options);
        reporter.stop();
        const seconds = (performance.now() - started) / 1000;
        reporter.event('done', { ...result, warnings: reporter.warnings, fps: formatFraction(result.fps), seconds: Math.round(seconds * 1000) / 1000 });
        reporter.info(summaryLine(result, seconds));
      }),
    );
  });
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function planSummary(plan: StitchPlan): Record<string, unknown> {
  return {
    output: plan.output,
    images: plan.images.length,
    first: plan.images[0]?.file ?? null,
    last: plan.images.at(-1)?.file ?? null,
    width: plan.width,
    height: plan.height,
    fps: formatFraction(plan.fps),
    duration: plan.duration,
    frameCount: plan.frameCount,
    vfr: plan.vfr,
    codec: plan.codec,
    profile: plan.profile,
    pixelFormat: plan.pixelFormat,
    fitted: plan.fitted,
    fit: plan.fit,
    padded: plan.padded ?? null,
    skipped: plan.skipped.length,
    encoder: plan.encoder,
    ...(plan.audio ? { audio: plan.audio } : {}),
    ...(plan.slideshow ? { slideshow: plan.slideshow } : {}),
    ...(plan.animation ? { animation: plan.animation } : {}),
  };
}

export function describePlan(plan: StitchPlan): string {
  const first = plan.images[0];
  const last = plan.images.at(-1);
  const lines = [
    `Plan for ${plan.output} (dry run: nothing written)`,
    // Names from a glob or a directory: their newlines escaped here, as the plan's own are kept.
    `  images:   ${plan.images.length}, from ${terminalSafe(String(first?.file))} to ${terminalSafe(String(last?.file))}`,
    `  frames:   ${plan.frameCount}${plan.vfr ? ' (variable frame rate: one per image and transition frame)' : ''}, ${plan.duration.toFixed(3)} s`,
    `  size:     ${plan.width}x${plan.height}${plan.padded ? ` (padded from ${plan.padded.from.width}x${plan.padded.from.height} to even)` : ''}`,
    `  timing:   ${formatFraction(plan.fps)} fps, ${plan.duration.toFixed(3)} s${plan.options.hold ? ` (each image held ${plan.options.hold} s)` : ''}`,
    plan.format.kind === 'video'
      ? `  codec:    ${plan.codec} ${plan.profile}, ${plan.pixelFormat}, ${plan.format.container}${plan.format.faststart ? ' with fast start' : ''}, ${plan.encoder.bitrate ? `${plan.encoder.bitrate} b/s` : plan.encoder.crf === undefined ? (plan.encoder.quality ?? 'default quality') : `crf ${plan.encoder.crf}`}, preset ${plan.encoder.preset}${plan.alpha ? ', alpha kept' : ''}${plan.encoder.hwaccel ? `, hwaccel ${plan.encoder.hwaccel}` : ''}`
      : `  codec:    ${describeAnimation(plan)}`,
    `  fitted:   ${plural(plan.fitted, 'image')} (--fit ${plan.fit}, background ${plan.background})`,
  ];
  if (plan.slideshow) lines.push(`  slides:   ${plan.slideshow.transition} transitions of ${plan.slideshow.transitionFrames} frames, fade in ${plan.slideshow.fadeInFrames}, fade out ${plan.slideshow.fadeOutFrames} frames`);
  if (plan.audio) lines.push(`  audio:    ${plan.audio.file} (${Number.isFinite(plan.audio.sourceDuration) ? `${plan.audio.sourceDuration.toFixed(3)} s` : 'length not given'}) as ${plan.audio.codec}, --audio-fit ${plan.audio.fit}, ending at ${plan.audio.end?.toFixed(3)} s`);
  if (plan.skipped.length) lines.push(`  skipped:  ${plural(plan.skipped.length, 'invalid file')}`);
  return lines.join('\n');
}

function describeAnimation(plan: StitchPlan): string {
  const a = plan.animation;
  if (!a) return '';
  const parts = [`${a.codec} ${a.pixelFormat}, ${a.size.width}x${a.size.height}`, a.loop === 0 ? 'loops forever' : `plays ${plural(a.loop, 'time')}`];
  if (a.codec === 'gif') parts.push(`${a.colors} colours (palette from the frames, 2 passes), dither ${a.dither}`);
  if (a.codec === 'webp') parts.push(a.lossless ? 'lossless' : 'lossy');
  if (a.maxSize !== undefined) parts.push(`at most ${formatBytes(a.maxSize)}`);
  return parts.join(', ');
}

export function summaryLine(r: OutputResult, seconds: number): string {
  const extra = [r.fitted ? `${r.fitted} fitted` : '', r.skipped.length ? `${r.skipped.length} skipped` : '', r.audio ? `${r.audio.codec} audio ${r.audio.duration.toFixed(2)} s` : ''].filter(Boolean).join(', ');
  // A GIF, WebP or APNG of held frames: each lasts as long as it shows, in whole frames of fps.
  const held = r.animation ? `held frames timed at ${formatFraction(r.fps)} fps` : `time base ${r.fps.den}/${r.fps.num} s`;
  const rate = r.vfr ? `variable frame rate (${held})` : `${formatFraction(r.fps)} fps`;
  return `Wrote ${r.output}: ${plural(r.frames, 'frame')}, ${r.width}x${r.height}, ${rate}, ${r.duration.toFixed(2)} s, ${[r.codec, r.profile, r.pixelFormat].filter(Boolean).join(' ')}, ${formatBytes(r.bytes)} in ${seconds.toFixed(1)} s${extra ? ` (${extra})` : ''}`;
}

import { type Command, Option } from 'commander';

import { RECIPES, X264_PRESETS, QUALITIES } from '../../engine/index.js';
import { AUDIO_FITS } from '../../options/audio-options.js';
import { HWACCEL_CHOICES } from '../../options/codec-options.js';
import { VIDEO_CODECS } from '../../options/output-formats.js';
import { OUTPUT_DEFAULTS } from '../../options/output-options.js';
import { formatFraction } from '../../options/values.js';
import { animate, type AnimateOptions } from '../../animate/animate.js';
import { canvasMissingFor } from '../../animate/canvas-package.js';
import { isFlipbookError } from '../../errors.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';
import { summaryLine } from './stitch.js';

interface RenderFlags extends CommonOptions {
  output: string;
  frames?: string;
  duration?: string;
  fps?: string;
  jobs?: string;
  queue?: string;
  queueWait?: string;
  workDir?: string;
  codec?: AnimateOptions['codec'];
  crf?: string;
  preset: string;
  quality?: AnimateOptions['quality'];
  bitrate?: string;
  hwaccel?: string;
  audio?: string;
  audioFit?: AnimateOptions['audioFit'];
  audioFade?: string;
  audioOffset?: string;
  volume?: string;
  overwrite?: boolean;
}

export function registerRender(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('render')
    .summary('an animation module in, a video out')
    .description(
      'Render an animation module: a JavaScript module exporting width, height, fps and draw(ctx, frame) (named exports or its default export; draw gets ctx, an @napi-rs/canvas 2D context, and { index, t, progress }). With --jobs each worker process imports the module and draws its own frames, so draw must draw a whole frame from its index.',
    )
    .argument('<module>', 'the animation module (draw.mjs)')
    .requiredOption('-o, --output <file>', 'the video to write (its extension picks the format)')
    .option('--frames <n>', 'how many frames (default: the module\'s frames or duration)')
    .option('--duration <time>', 'how long (10s), instead of --frames')
    .option('--fps <rate>', 'frames per second (default: the module\'s fps, else 25)')
    .option('--jobs <n>', 'render in parallel: segments of a few seconds on this many worker processes, joined by stream copy (default: 1)')
    .option('--queue <url>', 'render the segments on flipbook workers through this Redis server: redis://host:6379 (with --work-dir; each worker needs the module under one of its --modules directories) (default: on this machine)')
    .option('--work-dir <dir>', 'with --queue: the directory this machine and every worker share, where the segments are written')
    .option('--queue-wait <time>', `with --queue: how long to wait for a worker to take the first segment before failing (seconds, 5m; 0: for ever) (default: ${OUTPUT_DEFAULTS.queueWait})`)
    .addOption(new Option('--codec <codec>', 'video codec (default: h264; vp9 for .webm)').choices(VIDEO_CODECS))
    .option('--crf <n>', `constant quality, lower is better (default: ${RECIPES.h264.crf?.default} for h264, ${RECIPES.h265.crf?.default} for h265, ${RECIPES.vp9.crf?.default} for vp9, ${RECIPES.av1.crf?.default} for av1)`)
    .addOption(new Option('--preset <name>', 'encoder speed preset').choices(X264_PRESETS).default(OUTPUT_DEFAULTS.preset))
    .addOption(new Option('--quality <level>', 'one knob for the codec\'s settings; --crf, given, wins (default: the codec\'s crf)').choices(QUALITIES))
    .option('--bitrate <rate>', 'target bit rate such as 2M, instead of --crf (default: none, constant quality)')
    .addOption(new Option('--hwaccel <encoder>', 'hardware encoder: auto, none, or a name (default: none)').choices(HWACCEL_CHOICES))
    .option('--audio <file>', 'music beside the video (default: none)')
    .addOption(new Option('--audio-fit <mode>', 'music longer or shorter than the video (default: trim)').choices(AUDIO_FITS))
    .option('--audio-fade <time>', 'fade the music out over its last seconds (default: none)')
    .option('--audio-offset <time>', 'start the music this far into the video (default: 0)')
    .option('--volume <gain>', 'music volume: 0.5, 150%, -6dB (default: 1)')
    .option('-y, --overwrite', 'replace the output if it exists', false);
  addCommonOptions(command);
  command.action(async (module: string, flags: RenderFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter, signal }) => {
        const given = Object.fromEntries(
          Object.entries({ codec: flags.codec, crf: flags.crf, quality: flags.quality, bitrate: flags.bitrate, hwaccel: flags.hwaccel, audio: flags.audio, audioFit: flags.audioFit, audioFade: flags.audioFade, audioOffset: flags.audioOffset, volume: flags.volume, jobs: flags.jobs, queue: flags.queue, workDir: flags.workDir, queueWait: flags.queueWait }).filter(([, v]) => v !== undefined),
        );
        const options: AnimateOptions = {
          ...given,
          preset: flags.preset,
          overwrite: flags.overwrite === true,
          signal,
          onWarning: (_message, text) => reporter.warning(text),
          onProgress: (p) => reporter.progress(p),
        };
        const spec = {
          module,
          ...(flags.frames === undefined ? {} : { frames: Number(flags.frames) }),
          ...(flags.duration === undefined ? {} : { duration: flags.duration }),
          ...(flags.fps === undefined ? {} : { fps: flags.fps }),
        };
        const started = performance.now();
        const result = await animate(spec, flags.output, options).catch(async (error: unknown) => {
          // The library's error names animate(), which a command-line user never called: said
          // again in the command's words, from why the package does not load here.
          if (isFlipbookError(error) && error.code === 'MISSING_PACKAGE') throw (await canvasMissingFor('flipbook render')) ?? error;
          throw error;
        });
        reporter.stop();
        const seconds = (performance.now() - started) / 1000;
        reporter.event('done', { ...result, warnings: reporter.warnings, fps: formatFraction(result.fps), seconds: Math.round(seconds * 1000) / 1000 });
        reporter.info(summaryLine(result, seconds));
      }),
    );
  });
}

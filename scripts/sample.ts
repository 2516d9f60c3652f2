/**
 * The main job on the sample the repo ships: 48 frames named frame_1.png ... frame_48.png
 * (natural order matters: a plain sort would put frame_10 before frame_2), stitched into an
 * MP4 that plays everywhere, then read back to show what was written.
 *
 *   npm ci && npm run sample
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { VideoReader } from '../test/helpers/video-reader.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = 'sample/out/movie.mp4';
const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'stitch', 'sample/frames/*.png', '-o', output, '--fps', '24', '--overwrite'], {
  cwd: root,
  stdio: 'inherit',
});
if (cli.status !== 0) process.exit(cli.status ?? 1);

const reader = await VideoReader.open(`${root}/${output}`);
const v = reader.video;
let frames = 0;
for await (const _frame of reader.frames('rgb')) frames++;
await reader.close();
console.log(
  `Read back ${output}: ${frames} frames, ${v.width}x${v.height}, ${v.codec} ${v.profile} ${v.pixelFormat}, ` +
    `colour ${v.colorSpace}/${v.colorRange}, ${reader.duration?.toFixed(3)} s`,
);

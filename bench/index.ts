/**
 * `npm run bench [-- --runs N]`: flipbook against the reference ffmpeg CLI. Runs the stitch
 * benchmark, then the split benchmark when bench/split.ts exists. Prints Markdown, and writes
 * the numbers to bench/results/latest.json and the tables to bench/results/latest.md.
 * Needs Debian's ffmpeg and GNU time: apt-get install -y ffmpeg time.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { benchCodecs } from './codecs.js';
import { benchGif } from './gif.js';
import { benchJobs } from './jobs.js';
import { benchQueue } from './queue.js';
import { RESULTS, ROOT, benchStitch, stitchMarkdown } from './stitch.js';

interface SplitModule {
  benchSplit(options: { runs: number; log: (line: string) => void }): Promise<unknown>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log('Usage: npm run bench [-- --runs N]   (N interleaved runs of each side, default 3)');
    return;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a whole number of at least 1, not "${values.runs}"`);
  const log = (line: string): void => console.log(line);
  await mkdir(RESULTS, { recursive: true });

  const stitch = await benchStitch({ runs, log });
  const markdown = [stitchMarkdown(stitch)];
  log(`\n${markdown[0]}`);

  let split: unknown;
  const splitFile = join(ROOT, 'bench', 'split.ts');
  if (existsSync(splitFile)) {
    const module = (await import(pathToFileURL(splitFile).href)) as SplitModule;
    split = await module.benchSplit({ runs, log });
    if (typeof split === 'string') markdown.push(split);
    else if (split && typeof split === 'object' && 'markdown' in split && typeof split.markdown === 'string') markdown.push(split.markdown);
  }

  // AV1 and VP9 encoding speed against the CLI (issue 5).
  const codecs = await benchCodecs({ runs, log });
  markdown.push(codecs.markdown);
  log(`\n${codecs.markdown}`);

  // GIF quality at equal size against the two ffmpeg CLI recipes (issue 5).
  const gif = await benchGif({ runs, log });
  markdown.push(gif.markdown);
  log(`\n${gif.markdown}`);

  // --jobs 2 against --jobs 1: VP9, AV1, an animation with a costly draw() (issue 12).
  const jobs = await benchJobs({ runs, log });
  markdown.push(jobs.markdown);
  log(`\n${jobs.markdown}`);

  // The distributed mode: two flipbook workers on a real redis-server against --jobs 2 (issue 12).
  const queue = await benchQueue({ runs, log });
  markdown.push(queue.markdown);
  log(`\n${queue.markdown}`);

  await writeFile(join(RESULTS, 'latest.json'), `${JSON.stringify({ stitch, ...(split === undefined ? {} : { split }), codecs, gif, jobs, queue }, null, 2)}\n`);
  await writeFile(join(RESULTS, 'latest.md'), `${markdown.join('\n')}\n`);
  log('Wrote bench/results/latest.json and bench/results/latest.md');
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

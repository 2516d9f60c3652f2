/**
 * The queue's pure pieces: the job shape a worker accepts, the paths it may read, the segment
 * storage's whole-or-nothing writes, and the queue options.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { FlipbookError } from '../../src/errors.js';
import { resolveOutputOptions } from '../../src/options/output-options.js';
import { JOB_SHAPE, parseSegmentJob, resolveTaskPaths, segmentName, settingsHash } from '../../src/queue/job.js';
import { DirectoryStorage } from '../../src/queue/storage.js';
import type { SegmentTask } from '../../src/segments/task.js';
import { tempDir } from '../helpers/temp.js';

const task: SegmentTask = { output: 'out.mp4', index: 1, segments: 2, first: 3, count: 3, total: 6, source: { kind: 'stitch', inputs: ['frames/a.png'], options: { fps: 12, crf: 20 } } };
const job = (over: Record<string, unknown> = {}) => ({ flipbook: JOB_SHAPE, run: '0123456789abcdef', settings: settingsHash(task), ext: '.mp4', task, ...over });
const refused = (data: unknown, reason: RegExp) =>
  assert.throws(() => parseSegmentJob(data), (e: unknown) => e instanceof FlipbookError && e.code === 'QUEUE' && reason.test(e.message), `refused: ${reason}`);

test('a worker accepts flipbook\'s own job shape and nothing else', () => {
  assert.deepEqual(parseSegmentJob(job()).task, task, 'the shape as sent');
  refused(null, /not an object/);
  refused(job({ flipbook: 2 }), /not a flipbook segment of this version/);
  refused(job({ extra: 1 }), /fields flipbook does not send \(extra\)/);
  refused(job({ run: '../../x' }), /run id/);
  refused(job({ ext: '.mp4/../../x' }), /extension/);
  refused(job({ task: { ...task, index: 2 } }), /segment index/);
  refused(job({ task: { ...task, count: 0 } }), /frame count/);
  refused(job({ task: { ...task, source: { kind: 'exec', inputs: [], options: {} } } }), /neither stitch nor animate/);
  refused(job({ task: { ...task, source: { ...task.source, options: { audio: '/etc/passwd' } } } }), /carry audio/);
  refused(job({ task: { ...task, source: { ...task.source, options: { queue: 'redis://elsewhere', workDir: '/' } } } }), /carry queue, workDir/);
  refused(job({ task: { ...task, source: { ...task.source, options: { crf: 30 } } } }), /settings hash does not match/);
  // Settings hash: key order does not matter; the options do.
  assert.equal(settingsHash({ ...task, source: { ...task.source, options: { crf: 20, fps: 12 } } }), settingsHash(task), 'key order');
  assert.notEqual(settingsHash({ ...task, segments: 3 }), settingsHash(task), 'segment count');
  assert.equal(segmentName('0123456789abcdef', 'fedcba9876543210', 7, '.mp4'), 'fb-0123456789abcdef-fedcba9876543210-00007.mp4', 'segment name');
});

test('a worker reads only under its work directory and the directories it allows, links followed', async (t) => {
  const dir = await tempDir(t);
  const work = join(dir, 'work');
  const allowed = join(dir, 'allowed');
  const secret = join(dir, 'secret');
  await Promise.all([work, allowed, secret].map((d) => mkdir(join(d), { recursive: true })));
  await writeFile(join(work, 'a.png'), 'a');
  await writeFile(join(allowed, 'b.png'), 'b');
  await writeFile(join(secret, 'c.png'), 'c');
  await symlink(join(secret, 'c.png'), join(work, 'link.png'));
  const policy = { workDir: work, allowRead: [allowed], modules: [] };
  const withInputs = (inputs: string[]): SegmentTask => ({ ...task, source: { kind: 'stitch', inputs, options: {} } });
  const ok = await resolveTaskPaths(withInputs(['a.png', join(allowed, 'b.png')]), policy);
  assert.deepEqual(ok.source.kind === 'stitch' && ok.source.inputs, [join(work, 'a.png'), join(allowed, 'b.png')], 'relative to the work directory, and an allowed absolute path');
  const rejects = (inputs: string[], reason: RegExp) =>
    assert.rejects(resolveTaskPaths(withInputs(inputs), policy), (e: unknown) => e instanceof FlipbookError && reason.test(e.message), `${inputs.join()}: ${reason}`);
  await rejects(['../secret/c.png'], /leads out of the work directory/);
  await rejects([join(secret, 'c.png')], /outside the directories this worker may read/);
  await rejects(['link.png'], /outside the directories this worker may read/);
  await rejects(['missing.png'], /does not exist on this worker/);
  const animate: SegmentTask = { ...task, source: { kind: 'animate', module: join(allowed, 'draw.mjs'), options: {} } };
  await writeFile(join(allowed, 'draw.mjs'), 'export default {}');
  await assert.rejects(resolveTaskPaths(animate, policy), /this worker takes no animate jobs/, 'no module directory: no animate job');
  await assert.rejects(resolveTaskPaths(animate, { ...policy, modules: [secret] }), /outside the directories/, 'a module outside the module directories');
  const fine = await resolveTaskPaths(animate, { ...policy, modules: [allowed] });
  assert.equal(fine.source.kind === 'animate' && fine.source.module, join(allowed, 'draw.mjs'), 'a module in a module directory');
});

test('segment storage: renamed into place whole, or nothing left', async (t) => {
  const dir = await tempDir(t);
  const storage = new DirectoryStorage(dir);
  const name = 'fb-0123456789abcdef-fedcba9876543210-00000.mp4';
  let seen = '';
  const put = await storage.put(name, async (file) => {
    seen = file;
    assert.ok(file.endsWith('.mp4') && file.includes('.part'), `a temporary name with the extension: ${file}`);
    await writeFile(file, 'segment');
    assert.equal(await storage.exists(name), false, 'not there while written');
    return 7;
  });
  assert.deepEqual(put, { stored: true, value: 7 }, 'stored');
  assert.equal(await readFile(await storage.readPath(name), 'utf8'), 'segment', 'the content');
  await assert.rejects(storage.put('fb-0123456789abcdef-x-00001.mp4', async (file) => {
    await writeFile(file, 'half');
    throw new Error('renderer died');
  }), /renderer died/);
  const declined = await storage.put('fb-0123456789abcdef-x-00002.mp4', async (file) => writeFile(file, 'late'), async () => false);
  assert.equal(declined.stored, false, 'commit declined: not stored');
  assert.deepEqual(await readdir(dir), [name], `only the whole segment remains (the temporary was ${seen})`);
  await writeFile(join(dir, '..fb-0123456789abcdef-x.part.mp4.1a2b3c4d.flipbook.part'), 'a renderer\'s own temporary');
  assert.equal((await storage.list('fb-0123456789abcdef-')).length, 2, 'list finds a run\'s names and temporary names');
  await Promise.all((await storage.list('fb-0123456789abcdef-')).map((n) => storage.remove(n)));
  assert.deepEqual(await readdir(dir), [], 'removed');
  await assert.rejects(storage.readPath('../etc/passwd'), /Not a segment name/, 'a path is not a name');
});

test('queue and workDir options go together, redis:// only', () => {
  const resolved = resolveOutputOptions('out.mp4', { queue: 'redis://h:6380', workDir: 'shared' }, 'stitch');
  assert.equal(resolved.queue?.address.port, 6380, 'port');
  assert.ok(resolved.queue?.workDir.endsWith('/shared'), 'work directory made absolute');
  assert.equal(resolveOutputOptions('out.mp4', {}, 'stitch').queue, undefined, 'none: this machine');
  const invalid = (options: Record<string, unknown>, option: string) =>
    assert.throws(() => resolveOutputOptions('out.mp4', options, 'stitch'), (e: unknown) => e instanceof FlipbookError && e.code === 'INVALID_OPTION' && e.option === option, `${JSON.stringify(options)} names ${option}`);
  invalid({ queue: 'redis://h' }, 'workDir');
  invalid({ workDir: '/x' }, 'workDir');
  invalid({ queue: 'amqp://h', workDir: '/x' }, 'queue');
  invalid({ queue: 42, workDir: '/x' }, 'queue');
});

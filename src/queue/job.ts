import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

import { FlipbookError, opt, text } from '../errors.js';
import type { SegmentSource, SegmentTask } from '../segments/task.js';
import { mapConcurrent } from '../util/concurrency.js';

/** The BullMQ queue every coordinator and worker of a Redis server shares, under its own key prefix. */
export const QUEUE_NAME = 'segments';
export const QUEUE_PREFIX = 'flipbook';
/** The one job name flipbook enqueues. */
export const JOB_NAME = 'segment';
/** The version of the job shape below; a worker refuses any other. */
export const JOB_SHAPE = 1;

/** The most of each thing a job may carry (a job is refused above them, not truncated). */
const LIMITS = { segments: 100_000, frames: 100_000_000, inputs: 1_000_000, path: 4096, json: 64 * 1024 * 1024, depth: 8 };

/** What one BullMQ job carries: flipbook's own shape, nothing else. */
export interface SegmentJobData {
  flipbook: typeof JOB_SHAPE;
  /** The run: random, one per runOnQueue call. */
  run: string;
  /** settingsHash(task): the same for every segment of a run. */
  settings: string;
  /** The segment file's extension (`.mp4`), the container the renderer writes. */
  ext: string;
  /** The segment. Inputs are relative to the work directory where they lie under it. */
  task: SegmentTask;
}

/**
 * Options a segment never carries: music is encoded and muxed once over the whole output by
 * the coordinator; a path in an option would be a read or a write outside the checked inputs;
 * a segment is never itself put on a queue; callbacks do not cross machines.
 */
/** Options that belong to the coordinator: a segment job never carries them (the coordinator strips them, a worker refuses them). */
export const REFUSED_OPTIONS: readonly string[] = ['audio', 'manifest', 'queue', 'workDir', 'queueWait', 'signal', 'onProgress', 'onWarning'];

const HEX = /^[0-9a-f]{16}$/;
const EXT = /^\.[a-z0-9]{1,8}$/;

/** Keys sorted at every level, so equal settings hash equally whatever their order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A hash of the settings every segment of an output shares (the output, the segment count, the
 * kind of source, its module and its options; not the inputs, which a plan may give each segment
 * its own share of): 16 hex digits.
 */
export function settingsHash(task: Pick<SegmentTask, 'output' | 'segments' | 'source'>): string {
  const { source } = task;
  const shared = { output: task.output, segments: task.segments, kind: source.kind, module: source.kind === 'animate' ? source.module : null, options: source.options };
  return createHash('sha256').update(JSON.stringify(canonical(shared))).digest('hex').slice(0, 16);
}

/** The stored name of every file of a run starts with this. */
export function runPrefix(run: string): string {
  return `fb-${run}-`;
}

/** A segment's stored name: the run, the settings' hash and the index, so two runs or two settings never share a name. */
export function segmentName(run: string, settings: string, index: number, ext: string): string {
  return `${runPrefix(run)}${settings}-${String(index).padStart(5, '0')}${ext}`;
}

/** A segment's BullMQ job id (custom ids make a second add of the same segment a no-op). */
export function segmentJobId(run: string, settings: string, index: number): string {
  return `${run}-${settings}-${index}`;
}

/** Why a job was refused; the worker fails it without retrying. */
export function refusedJob(fact: string, hint?: ReturnType<typeof text>): FlipbookError {
  return new FlipbookError('QUEUE', `Refused a queue job: ${fact}`, hint ? { hint } : {});
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length) throw refusedJob(`${what} has fields flipbook does not send (${extra.slice(0, 5).join(', ')})`);
}

function wholeNumber(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw refusedJob(`${what} is not a whole number from ${min} to ${max}`);
  return value;
}

function pathString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.length > LIMITS.path || value.includes('\0')) throw refusedJob(`${what} is not a path`);
  return value;
}

/** Plain JSON only (what BullMQ stores), not too deep. */
function checkJson(value: unknown, what: string, depth = 0): void {
  if (depth > LIMITS.depth) throw refusedJob(`${what} is nested too deep`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refusedJob(`${what} holds a number that is not finite`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJson(item, what, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) checkJson(item, what, depth + 1);
    return;
  }
  throw refusedJob(`${what} holds a value that is not JSON`);
}

function parseSource(value: unknown): SegmentSource {
  if (!isPlainObject(value)) throw refusedJob('the source is not an object');
  const options = value.options;
  if (!isPlainObject(options)) throw refusedJob('the source options are not an object');
  checkJson(options, 'the source options');
  const refused = REFUSED_OPTIONS.filter((k) => k in options);
  if (refused.length) throw refusedJob(`the source options carry ${refused.join(', ')}, which a segment never takes`);
  if (value.kind === 'stitch') {
    onlyKeys(value, ['kind', 'inputs', 'options'], 'the source');
    const inputs = value.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > LIMITS.inputs) throw refusedJob('the inputs are not a list of files');
    return { kind: 'stitch', inputs: inputs.map((p, i) => pathString(p, `input ${i + 1}`)), options };
  }
  if (value.kind === 'animate') {
    onlyKeys(value, ['kind', 'module', 'options'], 'the source');
    return { kind: 'animate', module: pathString(value.module, 'the module'), options };
  }
  throw refusedJob('the source is neither stitch nor animate');
}

/**
 * Checks that `data` is flipbook's own job shape and nothing more, and returns it typed.
 * Paths are not checked here (see resolveTaskPaths).
 */
export function parseSegmentJob(data: unknown): SegmentJobData {
  if (!isPlainObject(data)) throw refusedJob('the job data is not an object');
  if (data.flipbook !== JOB_SHAPE) throw refusedJob('the job is not a flipbook segment of this version');
  onlyKeys(data, ['flipbook', 'run', 'settings', 'ext', 'task'], 'the job');
  if (JSON.stringify(data).length > LIMITS.json) throw refusedJob('the job is too large');
  const { run, settings, ext, task } = data;
  if (typeof run !== 'string' || !HEX.test(run)) throw refusedJob('the run id is not 16 hex digits');
  if (typeof settings !== 'string' || !HEX.test(settings)) throw refusedJob('the settings hash is not 16 hex digits');
  if (typeof ext !== 'string' || !EXT.test(ext)) throw refusedJob('the segment extension is not a plain extension');
  if (!isPlainObject(task)) throw refusedJob('the task is not an object');
  onlyKeys(task, ['output', 'index', 'segments', 'first', 'count', 'total', 'source'], 'the task');
  const segments = wholeNumber(task.segments, 'the segment count', 1, LIMITS.segments);
  const parsed: SegmentTask = {
    output: pathString(task.output, 'the output'),
    index: wholeNumber(task.index, 'the segment index', 0, segments - 1),
    segments,
    first: wholeNumber(task.first, 'the first frame', 0, LIMITS.frames),
    count: wholeNumber(task.count, 'the frame count', 1, LIMITS.frames),
    total: wholeNumber(task.total, 'the frames of the output', 1, LIMITS.frames),
    source: parseSource(task.source),
  };
  if (parsed.first + parsed.count > parsed.total) throw refusedJob('the segment ends after the output');
  if (settingsHash(parsed) !== settings) throw refusedJob('the settings hash does not match the task');
  return { flipbook: JOB_SHAPE, run, settings, ext, task: parsed };
}

/** What a worker may read, besides its work directory. */
export interface ReadPolicy {
  /** The work directory: relative input paths are resolved against it. */
  workDir: string;
  /** Further directories whose files a job may name by absolute path. */
  allowRead: readonly string[];
  /** Directories whose modules an `animate` job may name; none: animate jobs are refused. */
  modules: readonly string[];
}

function under(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  return Promise.all(roots.map(async (r) => realpath(resolve(r)).catch(() => resolve(r))));
}

/**
 * The task with every path it names made absolute on this machine, after checking each lies
 * (symbolic links followed) under the work directory or a directory the worker allows; a
 * module only under the worker's module directories. Refuses the job otherwise.
 */
export async function resolveTaskPaths(task: SegmentTask, policy: ReadPolicy): Promise<SegmentTask> {
  const workDir = resolve(policy.workDir);
  const readRoots = await realRoots([workDir, ...policy.allowRead]);
  const check = async (path: string, roots: readonly string[], what: string, hint: ReturnType<typeof text>): Promise<string> => {
    const absolute = isAbsolute(path) ? resolve(path) : resolve(workDir, path);
    if (!isAbsolute(path) && !under(workDir, absolute)) throw refusedJob(`${what} ${JSON.stringify(path)} leads out of the work directory`, hint);
    let real: string;
    try {
      real = await realpath(absolute);
    } catch {
      throw refusedJob(`${what} ${JSON.stringify(path)} does not exist on this worker (${absolute})`, text`Give every worker the same files at the same paths, or inputs under its ${opt('workDir')}`);
    }
    if (!roots.some((root) => under(root, real))) throw refusedJob(`${what} ${JSON.stringify(path)} is outside the directories this worker may read`, hint);
    return absolute;
  };
  const source = task.source;
  if (source.kind === 'stitch') {
    const hint = text`Put the inputs under the work directory, or start the worker with ${opt('allowRead', '/their/dir')}`;
    const inputs = await mapConcurrent(source.inputs, 16, (p, i) => check(p, readRoots, `input ${i + 1}`, hint));
    return { ...task, source: { ...source, inputs } };
  }
  if (policy.modules.length === 0) {
    throw refusedJob('this worker takes no animate jobs', text`Start the worker with ${opt('modules', '/dir/of/draw/modules')} to let it import modules from there`);
  }
  if (!isAbsolute(source.module)) throw refusedJob(`the module ${JSON.stringify(source.module)} is not an absolute path`);
  const module = await check(source.module, await realRoots(policy.modules), 'the module', text`Install the module under one of the worker's ${opt('modules')} directories`);
  return { ...task, source: { ...source, module } };
}

/** The task as sent: inputs under the work directory relative to it (every worker mounts it at its own path). */
export function relativeToWorkDir(task: SegmentTask, workDir: string): SegmentTask {
  if (task.source.kind !== 'stitch') return task;
  const root = resolve(workDir);
  const inputs = task.source.inputs.map((p) => {
    const absolute = resolve(p);
    return under(root, absolute) ? relative(root, absolute).split(sep).join('/') : absolute;
  });
  return { ...task, source: { ...task.source, inputs } };
}

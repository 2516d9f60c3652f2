import { Filter, FilterGraph, Frame, avGetPixFmtName } from 'node-av/lib';
import type { FilterContext } from 'node-av/lib';

import { FlipbookError } from '../errors.js';
import { Picture } from './picture.js';
import { EAGAIN, EOF, check } from './runtime.js';

/** FFmpeg's xfade transitions (FFmpeg 8.1), `custom` aside. */
export const TRANSITIONS = [
  'fade', 'wipeleft', 'wiperight', 'wipeup', 'wipedown', 'slideleft', 'slideright', 'slideup', 'slidedown',
  'circlecrop', 'rectcrop', 'distance', 'fadeblack', 'fadewhite', 'radial', 'smoothleft', 'smoothright', 'smoothup',
  'smoothdown', 'circleopen', 'circleclose', 'vertopen', 'vertclose', 'horzopen', 'horzclose', 'dissolve', 'pixelize',
  'diagtl', 'diagtr', 'diagbl', 'diagbr', 'hlslice', 'hrslice', 'vuslice', 'vdslice', 'hblur', 'fadegrays', 'wipetl',
  'wipetr', 'wipebl', 'wipebr', 'squeezeh', 'squeezev', 'zoomin', 'fadefast', 'fadeslow', 'hlwind', 'hrwind',
  'vuwind', 'vdwind', 'coverleft', 'coverright', 'coverup', 'coverdown', 'revealleft', 'revealright', 'revealup', 'revealdown',
] as const;

export type Transition = (typeof TRANSITIONS)[number];

/**
 * The `count` in-between pictures of a transition from `from` to `to` (two pictures of one
 * size and pixel format, as the normaliser makes them), through FFmpeg's xfade. Picture k of
 * 1..count is xfade's frame at progress k/(count+1): for `fade` that is
 * `from * (1 - p) + to * p`, so the middle of an odd count is the 50/50 blend. Neither input is
 * taken: the graph is fed new references to their pixels, never copies.
 */
export async function transitionPictures(kind: Transition, from: Picture, to: Picture, count: number): Promise<Picture[]> {
  const a = from.frame;
  const b = to.frame;
  if (a.width !== b.width || a.height !== b.height || a.format !== b.format) {
    throw new FlipbookError('ENGINE', `A transition needs two pictures of one shape, not ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  const steps = count + 1;
  const graph = new FilterGraph();
  graph.alloc();
  const out: Picture[] = [];
  try {
    const buffer = Filter.getByName('buffer');
    const buffersink = Filter.getByName('buffersink');
    if (!buffer || !buffersink) throw new FlipbookError('ENGINE', 'This FFmpeg build lacks the buffer filters');
    // The transition lasts one second of a clock that ticks `steps` times a second.
    const args = `video_size=${a.width}x${a.height}:pix_fmt=${a.format}:time_base=1/${steps}:frame_rate=${steps}/1:pixel_aspect=1/1:colorspace=${a.colorSpace}:range=${a.colorRange}`;
    const sources: FilterContext[] = ['a', 'b'].map((name) => {
      const ctx = graph.createFilter(buffer, name, args);
      if (!ctx) throw new FlipbookError('ENGINE', 'Cannot create a transition source');
      return ctx;
    });
    const sink = graph.createFilter(buffersink, 'out', null);
    if (!sink) throw new FlipbookError('ENGINE', 'Cannot create the transition sink');
    const xfade = Filter.getByName('xfade');
    const formatFilter = Filter.getByName('format');
    // xfade blends planar formats only (GBRA for RGBA, whose bytes it keeps exactly): the
    // pictures come back in the inputs' own format, as the sink they go to takes them.
    const pixelFormat = avGetPixFmtName(a.format as never) ?? 'yuv420p';
    const description = `xfade=transition=${kind}:duration=1:offset=0,format=pix_fmts=${pixelFormat}`;
    const blend = xfade ? graph.createFilter(xfade, 'xfade', `transition=${kind}:duration=1:offset=0`) : null;
    const format = formatFilter ? graph.createFilter(formatFilter, 'format', `pix_fmts=${pixelFormat}`) : null;
    if (!blend || !format) throw new FlipbookError('ENGINE', `Cannot set up the ${kind} transition (xfade)`);
    sources.forEach((source, i) => check(source.link(0, blend, i), 'link a transition'));
    check(blend.link(0, format, 0), 'link a transition');
    check(format.link(0, sink, 0), 'link a transition');
    check(await graph.config(), `configure the transition "${description}"`);
    const frame = new Frame();
    frame.alloc();
    try {
      for (let k = 0; k <= steps; k++) {
        for (const [source, picture] of [[sources[0], a], [sources[1], b]] as const) {
          const ref = picture.clone();
          if (!ref || !source) throw new FlipbookError('ENGINE', 'Cannot reference a picture for a transition');
          ref.pts = BigInt(k);
          check(await source.buffersrcAddFrame(ref), 'feed a transition');
          ref.free();
        }
        await collect();
      }
      for (const source of sources) check(await source.buffersrcAddFrame(null), 'end a transition');
      await collect();
    } finally {
      frame.free();
    }
    async function collect(): Promise<void> {
      for (;;) {
        const got = new Frame();
        got.alloc();
        const ret = await sink!.buffersinkGetFrame(got);
        if (ret === EAGAIN || ret === EOF) {
          got.free();
          return;
        }
        if (ret < 0) got.free();
        check(ret, 'make a transition picture');
        const k = Number(got.pts);
        if (k >= 1 && k <= count) out.push(new Picture(got));
        else got.free();
      }
    }
    if (out.length !== count) throw new FlipbookError('ENGINE', `The ${kind} transition made ${out.length} pictures, not ${count}`);
    return out;
  } catch (error) {
    for (const picture of out) picture.release();
    throw error;
  } finally {
    graph.free();
  }
}

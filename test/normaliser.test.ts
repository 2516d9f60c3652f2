/**
 * The normalise stage (src/engine/normaliser.ts) skips its filter graph for an upright RGBA
 * picture already at the output size into RGBA (chainKeepsPixels): it must hand back exactly
 * what the graph would, pixels and colour tags, and still run the graph for every other source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type ChainTarget, Normaliser, Picture, buildFilterChain, decodeImage } from '../src/engine/index.js';
import { SimpleGraph, pictureInput } from '../src/engine/filter-graph.js';
import type { Image } from './helpers/images.js';
import { encodePng } from './helpers/png.js';

const W = 37;
const H = 22;
const TARGET: ChainTarget = { fitWidth: W, fitHeight: H, width: W, height: H, fit: 'contain', background: '0x102030', pixelFormat: 'rgba', flattenAlpha: false };

/** Every alpha from 0 to 255 over colours that differ per pixel (a transparent pixel keeps its colour in RGBA). */
function rgbaImage(): Image {
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) data.set([(i * 7) & 255, (i * 13 + 40) & 255, (i * 29 + 90) & 255, i & 255], i * 4);
  return { width: W, height: H, channels: 4, data };
}

function decoded(image: Image): Promise<Picture> {
  return decodeImage(encodePng(image), 'png', 'test.png');
}

/** The picture's packed pixels and colour tags. */
function look(picture: Picture): { pixels: Buffer; tags: number[] } {
  const { frame } = picture;
  return { pixels: picture.toBuffer(), tags: [frame.colorSpace, frame.colorPrimaries, frame.colorTrc, frame.colorRange] };
}

/** What the chain's own filter graph makes of the picture. */
async function throughGraph(picture: Picture): Promise<{ pixels: Buffer; tags: number[] }> {
  const { frame } = picture;
  const source = { width: frame.width, height: frame.height, pixelFormat: picture.pixelFormat, hasAlpha: picture.hasAlpha, orientation: 1 };
  const graph = await SimpleGraph.create(buildFilterChain(source, TARGET), pictureInput(frame));
  try {
    frame.pts = 0n;
    await graph.push(frame);
    const out = await graph.pull();
    assert.ok(out, 'the graph returns a picture');
    const result = new Picture(out);
    try {
      return look(result);
    } finally {
      result.release();
    }
  } finally {
    graph.free();
    picture.release();
  }
}

describe('Normaliser', () => {
  it('hands an upright RGBA picture at the output size back as it is: the graph’s pixels and tags, no graph', async () => {
    const input = await decoded(rgbaImage());
    assert.equal(input.pixelFormat, 'rgba');
    const expected = await throughGraph(await decoded(rgbaImage()));
    assert.ok(expected.pixels.equals(Buffer.from(rgbaImage().data)), 'the graph keeps every RGBA byte (the premise of the shortcut)');
    const normaliser = new Normaliser(TARGET);
    try {
      const out = await normaliser.process(input, 1);
      try {
        assert.equal(out, input, 'the same picture, not a graph’s copy');
        const got = look(out);
        assert.ok(got.pixels.equals(expected.pixels), 'the same pixels as the graph');
        assert.deepEqual(got.tags, expected.tags, 'the same colour tags as the graph (bt709, limited range)');
      } finally {
        out.release();
      }
    } finally {
      normaliser.close();
    }
  });

  it('runs the graph for an RGB source, a turned one and another size, and their pictures come out RGBA at the size', async () => {
    const rgb: Image = { width: W, height: H, channels: 3, data: rgbaImage().data.filter((_, i) => i % 4 !== 3) };
    const normaliser = new Normaliser(TARGET);
    try {
      for (const [name, image, orientation] of [
        ['rgb24', rgb, 1],
        ['turned', rgbaImage(), 3],
        ['larger', { ...rgbaImage(), width: H, height: W }, 1],
      ] as const) {
        const input = await decoded(image);
        const out = await normaliser.process(input, orientation);
        try {
          assert.notEqual(out, input, `${name}: a new picture from the graph`);
          assert.deepEqual([out.width, out.height, out.pixelFormat], [W, H, 'rgba'], name);
        } finally {
          out.release();
        }
      }
      // The RGB source's pixels with alpha 255 (the graph did convert it).
      const input = await decoded(rgb);
      const out = await normaliser.process(input, 1);
      try {
        const pixels = out.toBuffer();
        for (let i = 0; i < W * H; i++) assert.deepEqual([...pixels.subarray(i * 4, i * 4 + 4)], [...rgb.data.subarray(i * 3, i * 3 + 3), 255], `pixel ${i}`);
      } finally {
        out.release();
      }
    } finally {
      normaliser.close();
    }
  });
});

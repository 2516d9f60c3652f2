import { Frame, SoftwareScaleContext } from 'node-av/lib';
import { avGetPixFmtFromName } from 'node-av/lib';
const OUT = process.env.OUT ?? 'rgba'; const BPP = OUT === 'rgba' ? 4 : OUT === 'rgb24' ? 3 : 1;
import { FrameConverter, VideoSource } from '../src/engine/index.js';
import { copyPixels } from '../src/engine/pixels.js';
const file = process.argv[2]!;
const src = await VideoSource.open(file);
const conv = new FrameConverter({ filters: [], width: undefined, height: undefined, pixelFormat: OUT });
const sws = new SoftwareScaleContext();
sws.allocContext(); if (process.argv[3]) console.log('setopt', sws.setOption('sws_flags', process.argv[3]), sws.setOption('threads', 0));
let i = 0;
for await (const f of src.decode({})) {
  const fr = f.picture.frame;
  const out = Buffer.alloc(fr.width * fr.height * BPP);
  const dst = Frame.fromVideoBuffer(out, { width: fr.width, height: fr.height, format: avGetPixFmtFromName(OUT) });
  const ret = await sws.scaleFrame(dst, fr);
  const viaGraph = await conv.convert(f.picture);
  const ref = copyPixels(viaGraph);
  let maxd = 0, nz = 0;
  for (let k = 0; k < out.length; k++) { const d = Math.abs(out[k]! - ref[k]!); if (d > maxd) maxd = d; if (out[k]) nz++; }
  console.log('ret', ret, 'cs', fr.colorSpace, 'range', fr.colorRange, 'fmt', fr.format, 'maxdiff', maxd, 'nonzero', nz, 'dstbuf', dst.data?.[0]?.length);
  dst.free(); viaGraph.release(); f.picture.release();
  if (++i >= 2) break;
}
await src.close();

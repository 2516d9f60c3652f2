import { FrameConverter, PixelCopier, VideoSource } from '../src/engine/index.js';
import { readFrames } from '../src/index.js';
import { Frame, SoftwareScaleContext } from 'node-av/lib';
import { AV_PIX_FMT_RGBA } from 'node-av/constants';
const sws = new SoftwareScaleContext(); sws.allocContext();
const file = 'bench/results/split/v1080.mp4';
const mode = process.argv[2] ?? 'all';
const t0 = performance.now();
let n = 0;
if (mode === 'read') {
  for await (const f of readFrames(file)) { n++; void f; }
} else {
  const src = await VideoSource.open(file);
  const conv = new FrameConverter({ filters: [], width: undefined, height: undefined, pixelFormat: 'rgba' });
  const copier = new PixelCopier();
  for await (const f of src.decode({})) {
    if (mode === 'direct') { const fr = f.picture.frame; const out = Buffer.allocUnsafe(fr.width*fr.height*4); const dst = Frame.fromVideoBuffer(out, { width: fr.width, height: fr.height, format: AV_PIX_FMT_RGBA }); await sws.scaleFrame(dst, fr); dst.free(); }
    else if (mode !== 'decode') {
      const p = await conv.convert(f.picture);
      if (mode === 'copy') { await copier.copy(p); }
      p.release();
    }
    f.picture.release();
    n++;
  }
  await src.close();
}
const t = performance.now() - t0;
const u = process.cpuUsage();
console.log(mode, n, (t/1000).toFixed(2), 's wall', ((u.user+u.system)/1e6).toFixed(2), 's cpu');

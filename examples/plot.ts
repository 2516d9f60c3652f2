/**
 * An animated line plot drawn on a canvas: y = sin(x) grows from left to right while a dot
 * rides its tip, with axes and a title. animate() calls draw() once a frame and streams each
 * canvas to the encoder: the FuncAnimation of flipbook.
 *
 *   npx tsx examples/plot.ts [out.mp4]
 */
import { pathToFileURL } from 'node:url';

import { type OutputResult, animate } from 'flipbook';

export interface PlotOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Seconds. */
  duration?: number;
}

/** Where the plot is drawn inside the canvas, and how x in [0, 2π] and y in [-1.2, 1.2] map to it. */
export function plotArea(width: number, height: number): { left: number; right: number; top: number; bottom: number; px: (x: number) => number; py: (y: number) => number } {
  const left = Math.round(width * 0.1);
  const right = Math.round(width * 0.95);
  const top = Math.round(height * 0.15);
  const bottom = Math.round(height * 0.9);
  return { left, right, top, bottom, px: (x) => left + (x / (2 * Math.PI)) * (right - left), py: (y) => bottom - ((y + 1.2) / 2.4) * (bottom - top) };
}

export const LINE_COLOUR = '#d62728';

export async function plot(output: string, options: PlotOptions = {}): Promise<OutputResult> {
  const { width = 640, height = 360, fps = 30, duration = 4 } = options;
  const area = plotArea(width, height);
  const lineWidth = Math.max(2, Math.round(height / 90));
  return animate(
    {
      width,
      height,
      fps,
      duration,
      draw(ctx, { progress, t }) {
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, width, height);
        // Axes.
        ctx.strokeStyle = '#333333';
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(area.left, area.top);
        ctx.lineTo(area.left, area.bottom);
        ctx.lineTo(area.right, area.bottom);
        ctx.stroke();
        ctx.fillStyle = '#333333';
        ctx.font = `${Math.max(10, Math.round(height / 20))}px sans-serif`;
        ctx.fillText(`y = sin(x)   t = ${t.toFixed(2)} s`, area.left, area.top * 0.7);
        // The curve up to where it has grown.
        const end = progress * 2 * Math.PI;
        ctx.strokeStyle = LINE_COLOUR;
        ctx.lineWidth = lineWidth;
        ctx.beginPath();
        for (let x = 0; x <= end; x += (2 * Math.PI) / (area.right - area.left)) {
          if (x === 0) ctx.moveTo(area.px(x), area.py(Math.sin(x)));
          else ctx.lineTo(area.px(x), area.py(Math.sin(x)));
        }
        ctx.stroke();
        // The dot on its tip.
        ctx.fillStyle = '#1f77b4';
        ctx.beginPath();
        ctx.arc(area.px(end), area.py(Math.sin(end)), lineWidth * 2, 0, 2 * Math.PI);
        ctx.fill();
      },
    },
    output,
    { overwrite: true },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await plot(process.argv[2] ?? 'plot.mp4');
  console.log(`Wrote ${result.output}: ${result.frames} frames, ${result.width}x${result.height}, ${result.duration} s`);
}

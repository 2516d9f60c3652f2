/**
 * The canvas and 2D context animate() hands to draw(), described by flipbook itself: the
 * public declarations must type-check in a project without the optional `@napi-rs/canvas`.
 * At run time they are that package's `Canvas` and `SKRSContext2D` (animate.ts checks at
 * compile time that those fit these); a project that has the package installed can annotate
 * draw's parameter with `SKRSContext2D` for the rest of its API.
 */
import type { Context2DLike, PixelData } from '../writer/frame-input.js';

/** A gradient made by the context (`createLinearGradient`, `createRadialGradient`). */
export interface DrawingGradient {
  addColorStop(offset: number, color: string): void;
}

/** Pixels as `getImageData` returns them and `putImageData` takes them (an ImageData). */
export interface DrawingImageData {
  readonly data: PixelData;
  readonly width: number;
  readonly height: number;
}

/** What `measureText` reports. */
export interface DrawingTextMetrics {
  readonly width: number;
  readonly actualBoundingBoxAscent: number;
  readonly actualBoundingBoxDescent: number;
}

/** The 2D context draw() paints on: the drawing API of a browser's CanvasRenderingContext2D. */
export interface DrawingContext2D extends Context2DLike {
  readonly canvas: DrawingCanvas;
  // Styles
  fillStyle: string | DrawingGradient | object;
  strokeStyle: string | DrawingGradient | object;
  lineWidth: number;
  lineCap: 'butt' | 'round' | 'square';
  lineJoin: 'bevel' | 'miter' | 'round';
  globalAlpha: number;
  globalCompositeOperation: string;
  font: string;
  textAlign: 'center' | 'end' | 'left' | 'right' | 'start';
  textBaseline: 'alphabetic' | 'bottom' | 'hanging' | 'ideographic' | 'middle' | 'top';
  shadowBlur: number;
  shadowColor: string;
  shadowOffsetX: number;
  shadowOffsetY: number;
  imageSmoothingEnabled: boolean;
  setLineDash(segments: number[]): void;
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): DrawingGradient;
  createRadialGradient(x0: number, y0: number, r0: number, x1: number, y1: number, r1: number): DrawingGradient;
  // Rectangles and paths
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number, counterclockwise?: boolean): void;
  arcTo(x1: number, y1: number, x2: number, y2: number, radius: number): void;
  ellipse(x: number, y: number, radiusX: number, radiusY: number, rotation: number, startAngle: number, endAngle: number, counterclockwise?: boolean): void;
  quadraticCurveTo(cpx: number, cpy: number, x: number, y: number): void;
  bezierCurveTo(cp1x: number, cp1y: number, cp2x: number, cp2y: number, x: number, y: number): void;
  fill(fillRule?: 'evenodd' | 'nonzero'): void;
  stroke(): void;
  clip(fillRule?: 'evenodd' | 'nonzero'): void;
  // Text
  fillText(text: string, x: number, y: number, maxWidth?: number): void;
  strokeText(text: string, x: number, y: number, maxWidth?: number): void;
  measureText(text: string): DrawingTextMetrics;
  // State and transforms
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  scale(x: number, y: number): void;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  resetTransform(): void;
  // Images and pixels: `image` is an image or a canvas of the canvas package.
  drawImage(image: object, dx: number, dy: number): void;
  drawImage(image: object, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): DrawingImageData;
  putImageData(imageData: DrawingImageData, dx: number, dy: number): void;
}

/** The canvas draw() paints on (the same one every frame), the size of the video. */
export interface DrawingCanvas {
  width: number;
  height: number;
  getContext(contextType: '2d'): DrawingContext2D;
}

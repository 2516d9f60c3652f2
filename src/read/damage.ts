import type { DamageReport, VideoTrackInfo } from '../engine/index.js';

/** Frames a second of a video track, if it says. */
export function rateOf(video: VideoTrackInfo): number | undefined {
  const rate = video.avgFrameRate ?? video.frameRate;
  return rate ? rate.num / rate.den : undefined;
}

/**
 * The warning for a damaged input that was read up to its damage (undefined: no damage).
 * `frameRate` (frames a second) turns a missing stretch into a number of frames.
 */
export function damageWarning(file: string, damage: DamageReport, frameRate?: number): string | undefined {
  const lost = damage.packets + damage.frames;
  const parts: string[] = [];
  if (lost > 0) parts.push(`${lost} damaged frame${lost === 1 ? '' : 's'} could not be decoded and ${lost === 1 ? 'was' : 'were'} skipped`);
  if (damage.readError !== undefined) parts.push(`reading stopped before the end of the file (${damage.readError})`);
  const { endedAt, declaredEnd } = damage;
  if (endedAt !== undefined && declaredEnd !== undefined && endedAt > 0) {
    const missing = declaredEnd - endedAt;
    const frame = frameRate ? 1 / frameRate : 0.04;
    // Timestamps and durations round: a short gap is no damage.
    if (missing > Math.max(3 * frame, 0.2)) {
      const frames = frameRate ? `, about ${Math.round(missing * frameRate)} frames` : '';
      parts.push(`its frames end at ${endedAt.toFixed(2)} s but its header says ${declaredEnd.toFixed(2)} s (${missing.toFixed(2)} s missing${frames}: the file is cut short)`);
    }
  }
  if (parts.length === 0) return undefined;
  return `${file} is damaged: ${parts.join('; ')}. The frames before the damage were kept`;
}

/** Test music made at test time: a sine as WAV (pure JS), other codecs through Debian's ffmpeg. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const FFMPEG = '/usr/bin/ffmpeg';

/** Writes `seconds` of a sine (16-bit PCM WAV); returns the path. */
export async function writeSineWav(file: string, { seconds = 1, rate = 44100, channels = 2, frequency = 440, amplitude = 0.5 } = {}): Promise<string> {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * channels * 2);
  for (let i = 0; i < samples; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * frequency * i) / rate) * amplitude * 32767);
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  await writeFile(file, Buffer.concat([header, data]));
  return file;
}

/**
 * `false` when Debian's ffmpeg is there; otherwise the reason to skip with. Under CI=true its
 * absence throws: .ci/run installs it.
 */
export function ffmpegSkipReason(): string | false {
  if (existsSync(FFMPEG)) return false;
  if (process.env.CI) throw new Error(`${FFMPEG} is missing: .ci/run installs Debian's ffmpeg for this test`);
  return `${FFMPEG} not installed (apt-get install -y ffmpeg)`;
}

/** Re-encodes `input` into `output` with the reference ffmpeg (codec by extension). */
export async function ffmpegConvert(input: string, output: string): Promise<string> {
  await run(FFMPEG, ['-v', 'error', '-y', '-i', input, output]);
  return output;
}

/** The audio of `file` decoded to mono 32-bit float samples at `rate`, with the reference ffmpeg. */
export async function decodeAudio(file: string, rate = 48000): Promise<Float32Array> {
  const { stdout } = await run(FFMPEG, ['-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', String(rate), '-f', 'f32le', '-'], { encoding: 'buffer', maxBuffer: 1 << 28 });
  const bytes = stdout as unknown as Buffer;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Root mean square of samples [from, to) in seconds. */
export function rms(samples: Float32Array, rate: number, from: number, to: number): number {
  const a = Math.max(0, Math.round(from * rate));
  const b = Math.min(samples.length, Math.round(to * rate));
  let sum = 0;
  for (let i = a; i < b; i++) sum += (samples[i] ?? 0) ** 2;
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}

import { FlipbookError } from '../errors.js';

/** Throws the ABORTED error once `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    throw new FlipbookError('ABORTED', `Cancelled${reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : ''}`, { cause: reason });
  }
}

/**
 * What a task throws to say more than "this attempt failed". The worker
 * recognizes them by a brand from the global symbol registry rather than by
 * `instanceof`: a task module may resolve its own copy of @cadre/pool, whose
 * classes are not the worker's.
 */

const PERMANENT: unique symbol = Symbol.for('cadre.permanent');
const RETRY_LATER: unique symbol = Symbol.for('cadre.retryLater');

/** Thrown by a task when retrying cannot help: the job fails at once. */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
  readonly [PERMANENT] = true;
}

/**
 * Thrown by a task that wants its next attempt after `delayMs` instead of the
 * backoff schedule's delay. The attempt still counts against `maxRetries`.
 */
export class RetryLater extends Error {
  override name = 'RetryLater';
  readonly [RETRY_LATER] = true;
  readonly delayMs: number;

  constructor(delayMs: number, message?: string, options?: ErrorOptions) {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError('RetryLater: delayMs must be a non-negative finite number');
    }
    super(message ?? `retry in ${delayMs} ms`, options);
    this.delayMs = delayMs;
  }
}

export function isPermanentFailure(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[PERMANENT] === true
  );
}

/** The delay a `RetryLater` (of any copy of this package) asks for, or `null`. */
export function retryLaterDelay(err: unknown): number | null {
  if (typeof err !== 'object' || err === null) return null;
  if ((err as Record<symbol, unknown>)[RETRY_LATER] !== true) return null;
  const delayMs = (err as { delayMs?: unknown }).delayMs;
  return typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0 ? delayMs : null;
}

/**
 * The outcome of one attempt, as a value. The pool produces it, `transition`
 * turns it into the job's next state, the store records the result.
 */
import type { Json } from './job.js';

export type AttemptOutcome =
  | {
      kind: 'ok';
      value: Json;
      /**
       * The JSON text of `value` as the worker thread serialised it (one
       * line: `JSON.stringify(value)`, no indentation), when the pool has it:
       * a store may journal this text as it is instead of serialising `value`
       * again. Must be the text of that very value, or absent.
       */
      json?: string;
    }
  /**
   * The handler threw. `retryable: false` is a permanent failure (never
   * retried). `retryAfterMs`, when a finite number, replaces the backoff for this retry
   * (the task asked to be retried later); it still counts against `maxRetries`.
   */
  | { kind: 'error'; message: string; retryable: boolean; retryAfterMs?: number }
  /** The attempt ran past its `timeoutMs` and its thread was stopped. */
  | { kind: 'timeout'; message: string }
  /** The worker thread died under the attempt (exit, uncaught error, out of memory). */
  | { kind: 'crash'; message: string }
  /** The attempt was aborted because the job was cancelled. */
  | { kind: 'cancelled' };

export type OutcomeKind = AttemptOutcome['kind'];

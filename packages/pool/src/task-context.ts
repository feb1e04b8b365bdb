/**
 * What a task module sees: its handler is called as `handler(input, ctx)` on a
 * worker thread, once per attempt.
 */
import type { Json } from '@cadre/core';

export interface TaskContext {
  readonly jobId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Aborted when the attempt timed out or its job was cancelled. The thread is
   * terminated `abortGraceMs` later unless the handler has returned by then, so
   * a handler that listens to it can clean up and keep its thread warm.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress, 0..100 (clamped; non-finite values are ignored). Cheap to
   * call often: reports are throttled before they leave the thread.
   */
  progress(percent: number): void;
}

/**
 * A task's handler. Its result must be JSON-serializable and within the pool's
 * `maxResultBytes`; `undefined` is stored as `null`. Throw `PermanentFailure`
 * to fail without retries, `RetryLater` to choose the next attempt's delay;
 * anything else thrown is a retryable error.
 */
export type TaskHandler<Input = Json, Result = Json | void> = (
  input: Input,
  ctx: TaskContext,
) => Result | Promise<Result>;

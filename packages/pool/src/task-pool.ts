/**
 * The contract between the engine and the worker threads.
 */
import type { AttemptOutcome, Json } from '@cadre/core';

export interface TaskSpec {
  name: string;
  /** Absolute path of the ES module that exports the handler. */
  module: string;
  /** Name of the export holding the handler. @defaultValue 'default' */
  export?: string;
}

export interface RunRequest {
  jobId: string;
  task: string;
  input: Json;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Hard limit from the moment the attempt starts on its thread (time spent
   * waiting for a free thread does not count); `null` = none.
   */
  timeoutMs: number | null;
  /** Aborting it cancels the attempt: the outcome is `{ kind: 'cancelled' }`. */
  signal?: AbortSignal;
}

export interface TaskPool {
  /** Worker threads in the pool; fixed for its life. */
  readonly threads: number;
  /** Runs one attempt. Never rejects: every way an attempt can end is an outcome. */
  run(request: RunRequest): Promise<AttemptOutcome>;
  /**
   * Cancels the attempt of job `jobId` that is waiting or running, like
   * aborting its `signal` would: its outcome is `{ kind: 'cancelled' }`.
   * Returns false when the job has no attempt in the pool.
   */
  cancel(jobId: string): boolean;
  /** Stops the threads; attempts still running or waiting end as `{ kind: 'cancelled' }`. */
  destroy(): Promise<void>;
}

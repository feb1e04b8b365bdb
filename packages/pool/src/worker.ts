/**
 * The worker-thread side: piscina hands each `BatchPayload` (attempts of one
 * category that run one after another) to `worker-entry.cjs`, which calls the
 * default export with it. It
 * always answers with values (`BatchResult`); whatever a handler throws is
 * caught here, so the pool reads a rejection of piscina's promise as an abort
 * or a dead thread, never as a task error. Which attempt runs, and which the
 * main thread stopped, is on the batch's shared `BatchBoard`.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import { toErrorMessage, type TaskContext, type TaskHandler } from '@cadre/core';
import { encodeResult } from './encode-result.js';
import { absoluteNow, BatchBoard } from './protocol.js';
import type {
  BatchPayload,
  BatchResult,
  JobPayload,
  ProgressMessage,
  StopMessage,
  WorkerOutcome,
  WorkerSetup,
} from './protocol.js';
import { isPermanentFailure, retryLaterDelay } from './task-errors.js';
import { importTaskModule, taskExport, toHandler, type ModuleCache } from './task-module.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;

const modules: ModuleCache = new Map();
/** Handlers already loaded, by task index: the hot path skips an await on them. */
const handlers: (TaskHandler<unknown, unknown> | undefined)[] = [];
const running = new Map<number, AttemptContext>();
const SKIPPED: WorkerOutcome = Object.freeze({ kind: 'skipped' });
const RETURNED: WorkerOutcome = Object.freeze({ kind: 'returned' });

const control = new BroadcastChannel(setup.controlChannel);
control.onmessage = (event: MessageEvent) => {
  const stop = event.data as StopMessage;
  running.get(stop.runId)?.stop(stop);
};
// The thread's life belongs to piscina; the channel must not hold it open.
control.unref();

export default async function runBatch(payload: BatchPayload): Promise<BatchResult> {
  const board = new BatchBoard(payload.shared);
  const { jobs } = payload;
  const outcomes: WorkerOutcome[] = new Array<WorkerOutcome>(jobs.length);
  const cutAt = absoluteNow() + payload.cutMs;
  for (let i = 0; i < jobs.length; i++) {
    const now = absoluteNow();
    if (i > 0 && now >= cutAt) {
      outcomes.fill(RETURNED, i);
      break;
    }
    outcomes[i] = board.begin(i, now) ? await runAttempt(jobs[i]!) : SKIPPED;
  }
  board.finish(jobs.length);
  return outcomes;
}

async function runAttempt(job: JobPayload): Promise<WorkerOutcome> {
  // Loaded after the attempt began on the board: a module whose top level
  // hangs is still stopped by the attempt's timeout.
  let handler = handlers[job.task];
  if (handler === undefined) {
    try {
      handler = await loadHandler(job.task);
    } catch (err) {
      return { kind: 'error', message: toErrorMessage(err), retryable: false };
    }
  }
  const ctx = new AttemptContext(job);
  running.set(job.runId, ctx);
  try {
    return encodeResult(await handler(job.input, ctx), setup.maxResultBytes);
  } catch (err) {
    return errorOutcome(err);
  } finally {
    running.delete(job.runId);
    ctx.close();
  }
}

async function loadHandler(index: number): Promise<TaskHandler<unknown, unknown>> {
  const spec = setup.tasks[index];
  if (spec === undefined) throw new Error(`no task #${index} in this pool`);
  const handler = toHandler(taskExport(spec, await importTaskModule(spec, modules)));
  handlers[index] = handler;
  return handler;
}

function errorOutcome(err: unknown): WorkerOutcome {
  try {
    if (isPermanentFailure(err)) {
      return { kind: 'error', message: toErrorMessage(err), retryable: false };
    }
    const retryAfterMs = retryLaterDelay(err);
    if (retryAfterMs !== null) {
      return { kind: 'error', message: toErrorMessage(err), retryable: true, retryAfterMs };
    }
    return { kind: 'error', message: toErrorMessage(err), retryable: true };
  } catch {
    // A thrown Proxy or a throwing getter: the attempt still has to end.
    return {
      kind: 'error',
      message: 'the task threw a value that cannot be read',
      retryable: true,
    };
  }
}

class AttemptContext implements TaskContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly #runId: number;
  /** Created on first use of `signal`: most handlers never read it. */
  #controller: AbortController | null = null;
  #stopReason: DOMException | null = null;
  #closed = false;
  #lastSentAt = -Infinity;
  #lastSent = NaN;
  #pending: number | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(payload: JobPayload) {
    this.jobId = payload.jobId;
    this.attempt = payload.attempt;
    this.#runId = payload.runId;
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#stopReason !== null) this.#controller.abort(this.#stopReason);
    }
    return this.#controller.signal;
  }

  // An own arrow function, so that `const { progress } = ctx` works.
  readonly progress = (percent: number): void => {
    if (this.#closed || !setup.progress) return;
    if (typeof percent !== 'number' || !Number.isFinite(percent)) return;
    const value = Math.min(100, Math.max(0, percent));
    const wait = setup.progressIntervalMs - (performance.now() - this.#lastSentAt);
    if (this.#timer === null && wait <= 0) {
      this.#send(value);
    } else {
      this.#pending = value;
      this.#timer ??= setTimeout(this.#flush, wait).unref();
    }
  };

  stop(stop: StopMessage): void {
    if (this.#stopReason !== null) return;
    this.#stopReason = new DOMException(
      stop.message,
      stop.reason === 'timeout' ? 'TimeoutError' : 'AbortError',
    );
    this.#controller?.abort(this.#stopReason);
  }

  close(): void {
    // Pending progress is dropped: the outcome says more than a late percentage.
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }

  readonly #flush = (): void => {
    this.#timer = null;
    if (this.#pending === null || this.#closed) return;
    const value = this.#pending;
    this.#pending = null;
    this.#send(value);
  };

  #send(percent: number): void {
    this.#lastSentAt = performance.now();
    if (percent === this.#lastSent) return;
    this.#lastSent = percent;
    const message: ProgressMessage = { cadre: 'progress', runId: this.#runId, percent };
    port.postMessage(message);
  }
}

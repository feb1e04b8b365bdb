/**
 * The TaskPool on piscina: one pool of `workers` threads for the life of the
 * process, a task registry (only registered tasks run), timeouts measured from
 * the moment an attempt starts on its thread, cancellation, and the mapping of
 * every way an attempt can end to an `AttemptOutcome`.
 *
 * How an attempt is stopped (timeout or cancel):
 * - still waiting for a thread: it is dropped from piscina's queue at once;
 * - running: its `ctx.signal` is aborted (through one BroadcastChannel shared
 *   by all threads) and, if the handler has not returned `abortGraceMs` later,
 *   piscina aborts the task, which terminates the thread and starts a new one.
 * The outcome is decided when the stop begins (`timeout` / `cancelled`),
 * whatever the handler returns during the grace period, so the engine never
 * sees a job succeed after it was cancelled.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { AttemptOutcome } from '@cadre/core';
import { Errors } from '@cadre/core';
import { Piscina, queueOptionsSymbol } from 'piscina';
import { resolvePoolOptions, type PoolOptions } from './pool-options.js';
import { absoluteNow, isWorkerMessage } from './protocol.js';
import type {
  StopMessage,
  TaskPayload,
  WorkerMessage,
  WorkerOutcome,
  WorkerSetup,
} from './protocol.js';
import type { RunRequest, TaskPool } from './task-pool.js';
import { WORKER_EXEC_ARGV, workerFile } from './worker-file.js';

type PiscinaOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
type LoadBalancer = NonNullable<PiscinaOptions['loadBalancer']>;

const WORKER_FILE = workerFile('worker').href;

const CANCELLED: AttemptOutcome = Object.freeze({ kind: 'cancelled' });

export function createPool(options: PoolOptions): TaskPool {
  return new PiscinaTaskPool(options);
}

/**
 * One attempt, from `run()` until piscina settles it. It is also the abort
 * signal handed to piscina (piscina accepts any object shaped like an
 * EventTarget-based signal), which spares an AbortController per run.
 */
class Attempt {
  readonly pool: PiscinaTaskPool;
  readonly runId: number;
  readonly jobId: string;
  readonly timeoutMs: number | null;
  readonly requestSignal: AbortSignal | null;
  /** Posted to a thread (set by the load balancer). */
  dispatched = false;
  /** How the attempt ends, once the pool has decided it (timeout, cancel, destroy). */
  verdict: AttemptOutcome | null = null;
  /** The timeout, then the grace period of a stop. */
  timer: NodeJS.Timeout | null = null;
  /** Read by piscina: the attempt was hard-aborted. */
  aborted = false;
  #onAbort: (() => void) | null = null;

  constructor(pool: PiscinaTaskPool, runId: number, request: RunRequest) {
    this.pool = pool;
    this.runId = runId;
    this.jobId = request.jobId;
    this.timeoutMs = request.timeoutMs;
    this.requestSignal = request.signal ?? null;
  }

  /** The request's signal was aborted (the attempt is its own listener: no closure per run). */
  handleEvent(): void {
    this.pool.stop(this, CANCELLED);
  }

  /** Drops the attempt from piscina's queue, or terminates its thread. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const onAbort = this.#onAbort;
    this.#onAbort = null;
    onAbort?.();
  }

  // The signal side, as piscina uses it: one listener, for 'abort'.
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#onAbort = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#onAbort === listener) this.#onAbort = null;
  }
}

class PiscinaTaskPool implements TaskPool {
  readonly threads: number;
  readonly #piscina: Piscina<TaskPayload, WorkerOutcome>;
  readonly #taskIndex: Map<string, number>;
  readonly #onProgress: ((jobId: string, percent: number) => void) | null;
  readonly #abortGraceMs: number;
  readonly #control: BroadcastChannel;
  readonly #active = new Map<number, Attempt>();
  /** The attempt of each job in the pool, for `cancel(jobId)`. */
  readonly #byJob = new Map<string, Attempt>();
  /** Threads that have booted; see `#balance`. */
  readonly #readyThreads = new Set<number>();
  #nextRunId = 0;
  #destroyed = false;
  #destroying: Promise<void> | null = null;

  constructor(options: PoolOptions) {
    const resolved = resolvePoolOptions(options);
    this.threads = resolved.workers;
    this.#taskIndex = new Map(resolved.tasks.map((task, i) => [task.name, i]));
    this.#onProgress = resolved.onProgress;
    this.#abortGraceMs = resolved.abortGraceMs;
    const setup: WorkerSetup = {
      tasks: resolved.tasks,
      maxResultBytes: resolved.maxResultBytes,
      progress: resolved.onProgress !== null,
      progressIntervalMs: resolved.progressIntervalMs,
      controlChannel: `cadre:pool:${randomUUID()}`,
    };
    this.#control = new BroadcastChannel(setup.controlChannel);
    this.#control.unref();
    this.#piscina = new Piscina<TaskPayload, WorkerOutcome>({
      filename: WORKER_FILE,
      execArgv: WORKER_EXEC_ARGV,
      workerData: setup,
      minThreads: resolved.workers,
      maxThreads: resolved.workers,
      // Never cull idle threads: the pool's size is the balancer's budget.
      idleTimeout: Infinity,
      maxQueue: Infinity,
      concurrentTasksPerWorker: 1,
      resourceLimits: resolved.resourceLimits,
      recordTiming: false,
      loadBalancer: this.#balance,
    });
    this.#piscina.on('workerCreate', (worker: { id: number }) => this.#readyThreads.add(worker.id));
    this.#piscina.on('workerDestroy', (worker: { id: number }) =>
      this.#readyThreads.delete(worker.id),
    );
    this.#piscina.on('message', this.#onMessage);
    // A thread that dies with no attempt on it (a timer left behind by a
    // finished task) belongs to no outcome; piscina replaces it.
    this.#piscina.on('error', () => {});
  }

  run(request: RunRequest): Promise<AttemptOutcome> {
    const task = this.#taskIndex.get(request.task);
    if (task === undefined) {
      return Promise.resolve({
        kind: 'error',
        message: Errors.unknownTask(request.task).message,
        retryable: false,
      });
    }
    const { signal, timeoutMs } = request;
    if (this.#destroyed || signal?.aborted === true) return Promise.resolve(CANCELLED);

    const runId = this.#nextRunId++;
    const attempt = new Attempt(this, runId, request);
    const payload = {
      runId,
      jobId: request.jobId,
      task,
      input: request.input,
      attempt: request.attempt,
      timed: timeoutMs !== null,
      // Read by `#balance`; symbol keys are not cloned to the thread.
      [queueOptionsSymbol]: attempt,
    };
    // The attempt is piscina's abort signal, so a timeout or `cancel` can stop it.
    signal?.addEventListener('abort', attempt, { once: true });
    this.#active.set(runId, attempt);
    this.#byJob.set(request.jobId, attempt);
    return this.#piscina.run(payload, { signal: attempt }).then(
      (outcome) => this.#settle(attempt, outcome, null),
      (err: unknown) => this.#settle(attempt, null, err),
    );
  }

  cancel(jobId: string): boolean {
    const attempt = this.#byJob.get(jobId);
    if (attempt === undefined) return false;
    this.stop(attempt, CANCELLED);
    return true;
  }

  destroy(): Promise<void> {
    this.#destroying ??= this.#shutdown();
    return this.#destroying;
  }

  /** Begins stopping an attempt that is waiting or running (timeout or cancel). */
  stop(attempt: Attempt, verdict: AttemptOutcome): void {
    if (attempt.verdict !== null) return;
    attempt.verdict = verdict;
    if (attempt.timer !== null) clearTimeout(attempt.timer);
    attempt.timer = null;
    if (!attempt.dispatched || this.#abortGraceMs === 0) {
      attempt.abort();
      return;
    }
    const stop: StopMessage = {
      runId: attempt.runId,
      reason: verdict.kind === 'timeout' ? 'timeout' : 'cancel',
      message: verdict.kind === 'timeout' ? verdict.message : 'the job was cancelled',
    };
    this.#control.postMessage(stop);
    attempt.timer = setTimeout(hardAbort, this.#abortGraceMs, attempt).unref();
  }

  #settle(attempt: Attempt, outcome: WorkerOutcome | null, err: unknown): AttemptOutcome {
    this.#active.delete(attempt.runId);
    if (this.#byJob.get(attempt.jobId) === attempt) this.#byJob.delete(attempt.jobId);
    if (attempt.timer !== null) clearTimeout(attempt.timer);
    attempt.requestSignal?.removeEventListener('abort', attempt);
    if (attempt.verdict !== null) return attempt.verdict;
    if (outcome !== null) {
      return outcome.kind === 'ok' ? { kind: 'ok', value: JSON.parse(outcome.json) } : outcome;
    }
    return failureOutcome(err);
  }

  /**
   * piscina's load balancer, used to learn when an attempt leaves the queue
   * (a stop then needs the thread's cooperation or its termination), and to
   * keep attempts off threads that have not booted yet: piscina stops
   * replacing threads for good once one dies before it is ready.
   */
  readonly #balance: LoadBalancer = (task, workers) => {
    for (const worker of workers) {
      if (worker.currentUsage === 0 && this.#readyThreads.has(worker.id)) {
        const attempt = task[queueOptionsSymbol] as Attempt | null;
        if (attempt !== null) attempt.dispatched = true;
        return worker;
      }
    }
    return null;
  };

  readonly #onMessage = (message: unknown): void => {
    if (!isWorkerMessage(message)) return;
    const attempt = this.#active.get(message.runId);
    if (attempt === undefined || attempt.verdict !== null) return;
    if (message.cadre === 'started') {
      this.#startTimeout(attempt, message);
    } else if (this.#onProgress !== null) {
      try {
        this.#onProgress(attempt.jobId, message.percent);
      } catch (err) {
        process.emitWarning(`cadre pool: onProgress threw: ${String(err)}`);
      }
    }
  };

  /**
   * The timeout counts from the worker's own start time, so neither the wait
   * for a free thread nor the delay of this message is charged to the task.
   */
  #startTimeout(attempt: Attempt, started: Extract<WorkerMessage, { cadre: 'started' }>): void {
    if (attempt.timeoutMs === null || attempt.timer !== null) return;
    const left = attempt.timeoutMs - (absoluteNow() - started.at);
    attempt.timer = setTimeout(timeOut, Math.max(0, left), attempt).unref();
  }

  async #shutdown(): Promise<void> {
    this.#destroyed = true;
    for (const attempt of this.#active.values()) {
      attempt.verdict ??= CANCELLED;
      if (attempt.timer !== null) clearTimeout(attempt.timer);
      attempt.timer = null;
    }
    try {
      await this.#piscina.destroy();
    } finally {
      this.#control.close();
      this.#piscina.removeAllListeners();
    }
  }
}

function timeOut(attempt: Attempt): void {
  attempt.timer = null;
  attempt.pool.stop(attempt, {
    kind: 'timeout',
    message: `timed out after ${attempt.timeoutMs} ms`,
  });
}

function hardAbort(attempt: Attempt): void {
  attempt.timer = null;
  attempt.abort();
}

/** piscina rejected without the pool having stopped the attempt: its thread died. */
function failureOutcome(err: unknown): AttemptOutcome {
  const { name, code, message } = (err ?? {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const text = typeof message === 'string' ? message : String(err);
  if (name === 'DataCloneError') {
    return {
      kind: 'error',
      message: `input cannot be sent to a worker: ${text}`,
      retryable: false,
    };
  }
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { kind: 'crash', message: `the worker thread ran out of memory: ${text}` };
  }
  const exit = /^worker exited with code: (-?\d+)$/.exec(text);
  if (exit !== null) {
    return { kind: 'crash', message: `the worker thread exited with code ${exit[1]}` };
  }
  return { kind: 'crash', message: `the worker thread died: ${text}` };
}

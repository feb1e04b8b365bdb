/**
 * The TaskPool on piscina: one pool of `workers` threads for the life of the
 * process, a task registry (only registered tasks run), batches, lanes,
 * timeouts measured from the moment an attempt starts on its thread,
 * cancellation, and the mapping of every way an attempt can end to an outcome.
 *
 * A batch is one piscina task: attempts of one category that its thread runs
 * one after another, answered together. piscina's own extension points place
 * the batches: a custom load balancer gives a thread batches of one lane (a
 * category) only, at most the lane's `concurrency` at once, packing them onto
 * the fullest thread of the lane that has room; `concurrentTasksPerWorker` is
 * set to the highest concurrency a lane may ask for.
 *
 * How an attempt is stopped (timeout or cancel):
 * - its batch still waits for a thread: the attempt is marked not to start,
 *   and a batch whose attempts are all stopped is dropped from piscina's queue;
 * - it has not started on its thread yet: the same mark, read on the
 *   `BatchBoard` the two threads share, makes the thread skip it;
 * - it runs: its `ctx.signal` is aborted (through one BroadcastChannel shared
 *   by all threads) and, if it still runs `abortGraceMs` later, piscina aborts
 *   the batch, which terminates the thread and starts a new one. The other
 *   attempts of the batch end `interrupted`.
 * The outcome is decided when the stop begins (`timeout` / `cancelled`),
 * whatever the handler returns during the grace period, so the engine never
 * sees a job succeed after it was cancelled.
 *
 * Timeouts need no message per attempt: one watchdog timer per batch reads
 * which attempt runs since when from the board.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { AttemptOutcome } from '@cadre/core';
import { Errors, MAX_CONCURRENCY } from '@cadre/core';
import { Piscina, queueOptionsSymbol } from 'piscina';
import { resolvePoolOptions, type PoolOptions } from './pool-options.js';
import { absoluteNow, BatchBoard, isProgressMessage } from './protocol.js';
import type {
  BatchPayload,
  BatchResult,
  JobPayload,
  StopMessage,
  WorkerOutcome,
  WorkerSetup,
} from './protocol.js';
import type { BatchOutcome, RunBatch, RunRequest, TaskPool } from './task-pool.js';
import { POOL_ENTRY, WORKER_EXEC_ARGV, workerFile } from './worker-file.js';

type PiscinaOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
type LoadBalancer = NonNullable<PiscinaOptions['loadBalancer']>;

const WORKER_FILE = workerFile('worker').href;

const CANCELLED: AttemptOutcome = Object.freeze({ kind: 'cancelled' });
const NOT_STARTED: BatchOutcome = Object.freeze({
  kind: 'interrupted',
  message: 'its thread stopped before it started',
});
const BYSTANDER: BatchOutcome = Object.freeze({
  kind: 'interrupted',
  message: 'its thread was stopped to end another job that ran on it',
});
const RETURNED: BatchOutcome = Object.freeze({ kind: 'returned' });
const LOST: BatchOutcome = Object.freeze({
  kind: 'interrupted',
  message: 'its thread died after it ended, before its outcome was sent',
});

export function createPool(options: PoolOptions): TaskPool {
  return new PiscinaTaskPool(options);
}

/** One attempt of a batch, from `runBatch()` until its batch settles. */
class Attempt {
  readonly batch: Batch;
  /** Its place in the batch. */
  readonly index: number;
  readonly runId: number;
  readonly jobId: string;
  readonly timeoutMs: number | null;
  readonly requestSignal: AbortSignal | null;
  /** How the attempt ends, once the pool has decided it (timeout, cancel, destroy). */
  verdict: AttemptOutcome | null = null;
  /** The grace period of a stop. */
  timer: NodeJS.Timeout | null = null;

  constructor(batch: Batch, index: number, runId: number, request: RunRequest) {
    this.batch = batch;
    this.index = index;
    this.runId = runId;
    this.jobId = request.jobId;
    this.timeoutMs = request.timeoutMs;
    this.requestSignal = request.signal ?? null;
  }

  /** The request's signal was aborted (the attempt is its own listener: no closure per run). */
  handleEvent(): void {
    this.batch.pool.stop(this, CANCELLED);
  }
}

/**
 * One batch, from `runBatch()` until piscina settles it. It is also the abort
 * signal handed to piscina (piscina accepts any object shaped like an
 * EventTarget-based signal), which spares an AbortController per batch.
 */
class Batch {
  readonly pool: PiscinaTaskPool;
  readonly lane: string;
  readonly concurrency: number;
  readonly board: BatchBoard;
  readonly attempts: Attempt[] = [];
  /** Some attempt has a timeout: the batch has a watchdog once on a thread. */
  timed = false;
  /** The thread it was posted to (set by the load balancer); null while queued. */
  thread: number | null = null;
  settled = false;
  /** Its thread was terminated to stop an attempt of another batch. */
  bystander = false;
  watchdog: NodeJS.Timeout | null = null;
  /** Read by piscina: the batch was hard-aborted. */
  aborted = false;
  #onAbort: (() => void) | null = null;

  constructor(pool: PiscinaTaskPool, lane: string, concurrency: number, size: number) {
    this.pool = pool;
    this.lane = lane;
    this.concurrency = concurrency;
    this.board = new BatchBoard(size);
  }

  /** Drops the batch from piscina's queue, or terminates its thread. */
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
  readonly #piscina: Piscina<BatchPayload, BatchResult>;
  readonly #taskIndex: Map<string, number>;
  readonly #onProgress: ((jobId: string, percent: number) => void) | null;
  readonly #abortGraceMs: number;
  readonly #control: BroadcastChannel;
  /** Attempts in the pool, by run id (progress messages name it). */
  readonly #active = new Map<number, Attempt>();
  /** The attempt of each job in the pool, for `cancel(jobId)`. */
  readonly #byJob = new Map<string, Attempt>();
  /** Batches in the pool, for `destroy`. */
  readonly #batches = new Set<Batch>();
  /** Threads that have booted; see `#balance`. */
  readonly #readyThreads = new Set<number>();
  /** The lane each thread was given last, by thread id (what it runs, while it runs anything). */
  readonly #lanes = new Map<number, string>();
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
      entry: WORKER_FILE,
      tasks: resolved.tasks,
      maxResultBytes: resolved.maxResultBytes,
      progress: resolved.onProgress !== null,
      progressIntervalMs: resolved.progressIntervalMs,
      controlChannel: `cadre:pool:${randomUUID()}`,
    };
    this.#control = new BroadcastChannel(setup.controlChannel);
    this.#control.unref();
    this.#piscina = new Piscina<BatchPayload, BatchResult>({
      filename: POOL_ENTRY.href,
      execArgv: WORKER_EXEC_ARGV,
      workerData: setup,
      minThreads: resolved.workers,
      maxThreads: resolved.workers,
      // Never cull idle threads: the pool's size is the balancer's budget.
      idleTimeout: Infinity,
      maxQueue: Infinity,
      // The most a lane may ask for; `#balance` holds each lane to its own.
      concurrentTasksPerWorker: MAX_CONCURRENCY,
      resourceLimits: resolved.resourceLimits,
      recordTiming: false,
      loadBalancer: this.#balance,
    });
    this.#piscina.on('workerCreate', (worker: { id: number }) => this.#readyThreads.add(worker.id));
    this.#piscina.on('workerDestroy', (worker: { id: number }) => {
      this.#readyThreads.delete(worker.id);
      this.#lanes.delete(worker.id);
    });
    this.#piscina.on('message', this.#onMessage);
    // A thread that dies with no batch on it (a timer left behind by a
    // finished task) belongs to no outcome; piscina replaces it.
    this.#piscina.on('error', () => {});
  }

  async run(request: RunRequest): Promise<AttemptOutcome> {
    const [outcome] = await this.runBatch({ jobs: [request], lane: '', concurrency: 1 });
    // A batch of one has no other attempt to blame a death on, and is never cut.
    if (outcome!.kind === 'interrupted') return { kind: 'crash', message: outcome!.message };
    if (outcome!.kind === 'returned') return { kind: 'crash', message: 'the attempt never ran' };
    return outcome!;
  }

  runBatch(request: RunBatch): Promise<BatchOutcome[]> {
    const outcomes: (BatchOutcome | undefined)[] = new Array<BatchOutcome | undefined>(
      request.jobs.length,
    );
    const jobs: JobPayload[] = [];
    const places: number[] = [];
    for (let i = 0; i < request.jobs.length; i++) {
      const job = request.jobs[i]!;
      const task = this.#taskIndex.get(job.task);
      if (task === undefined) {
        const message = Errors.unknownTask(job.task).message;
        outcomes[i] = { kind: 'error', message, retryable: false };
      } else if (this.#destroyed || job.signal?.aborted === true) {
        outcomes[i] = CANCELLED;
      } else {
        const runId = this.#nextRunId++;
        jobs.push({ runId, jobId: job.jobId, task, input: job.input, attempt: job.attempt });
        places.push(i);
      }
    }
    if (jobs.length === 0) return Promise.resolve(outcomes as BatchOutcome[]);

    const concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(request.concurrency)));
    const batch = new Batch(this, request.lane, concurrency, jobs.length);
    for (let k = 0; k < jobs.length; k++) {
      const job = request.jobs[places[k]!]!;
      const attempt = new Attempt(batch, k, jobs[k]!.runId, job);
      batch.attempts.push(attempt);
      if (attempt.timeoutMs !== null) batch.timed = true;
      // The attempt is its own listener, so a cancel through the request's signal stops it.
      job.signal?.addEventListener('abort', attempt, { once: true });
      this.#active.set(attempt.runId, attempt);
      this.#byJob.set(attempt.jobId, attempt);
    }
    this.#batches.add(batch);
    const payload = {
      jobs,
      shared: batch.board.shared,
      cutMs: request.cutMs ?? Infinity,
      // Read by `#balance`; symbol keys are not cloned to the thread.
      [queueOptionsSymbol]: batch,
    };
    return this.#piscina.run(payload, { signal: batch }).then(
      (result) => this.#settle(batch, result, null, outcomes, places),
      (err: unknown) => this.#settle(batch, null, err, outcomes, places),
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
    const batch = attempt.batch;
    if (batch.settled) return;
    const cursor = batch.board.stop(attempt.index);
    if (batch.thread === null) {
      // Still queued: it will be skipped, and nothing of a batch all stopped is left to run.
      if (batch.attempts.every((a) => a.verdict !== null)) batch.abort();
      return;
    }
    // Not started (it will be skipped), or already ended.
    if (cursor !== attempt.index) return;
    if (this.#abortGraceMs === 0) {
      this.terminate(batch);
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

  /**
   * Aborts a batch on its thread, which terminates the thread: the batches of
   * the same lane running beside it are bystanders, their attempts interrupted.
   */
  terminate(batch: Batch): void {
    for (const other of this.#batches) {
      if (other !== batch && other.thread === batch.thread) other.bystander = true;
    }
    batch.abort();
  }

  /** The batch's watchdog: times out the attempt that runs, and wakes when the next one could time out. */
  watch(batch: Batch): void {
    batch.watchdog = null;
    if (batch.settled) return;
    const { attempts, board } = batch;
    const cursor = board.cursor;
    if (cursor >= attempts.length) return;
    let wait = Infinity;
    if (cursor >= 0) {
      const current = attempts[cursor]!;
      if (current.timeoutMs !== null && current.verdict === null) {
        const left = current.timeoutMs - (absoluteNow() - board.startedAt);
        if (left <= 0) {
          this.stop(current, {
            kind: 'timeout',
            message: `timed out after ${current.timeoutMs} ms`,
          });
        } else wait = left;
      }
    }
    // An attempt that has not started cannot time out sooner than its whole timeout from now.
    for (let i = Math.max(0, cursor + 1); i < attempts.length; i++) {
      const a = attempts[i]!;
      if (a.timeoutMs !== null && a.verdict === null && a.timeoutMs < wait) wait = a.timeoutMs;
    }
    if (wait !== Infinity) batch.watchdog = setTimeout(watch, wait, batch).unref();
  }

  #settle(
    batch: Batch,
    result: BatchResult | null,
    err: unknown,
    outcomes: (BatchOutcome | undefined)[],
    places: readonly number[],
  ): BatchOutcome[] {
    batch.settled = true;
    this.#batches.delete(batch);
    if (batch.watchdog !== null) clearTimeout(batch.watchdog);
    // A thread that died before its first attempt began dies under that attempt;
    // a bystander's thread died under another batch's attempt.
    const died = result === null && !batch.bystander ? Math.max(0, batch.board.cursor) : -1;
    for (const attempt of batch.attempts) {
      this.#active.delete(attempt.runId);
      if (this.#byJob.get(attempt.jobId) === attempt) this.#byJob.delete(attempt.jobId);
      if (attempt.timer !== null) clearTimeout(attempt.timer);
      attempt.requestSignal?.removeEventListener('abort', attempt);
      let outcome: BatchOutcome;
      if (attempt.verdict !== null) outcome = attempt.verdict;
      else if (result !== null) outcome = fromWorker(result[attempt.index]!);
      else if (attempt.index === died) outcome = failureOutcome(err);
      else if (batch.bystander) outcome = BYSTANDER;
      else outcome = attempt.index < died ? LOST : NOT_STARTED;
      outcomes[places[attempt.index]!] = outcome;
    }
    return outcomes as BatchOutcome[];
  }

  /**
   * piscina's load balancer: a thread takes batches of one lane at a time, at
   * most the lane's concurrency; the fullest thread of the lane that has room
   * first, so that threads stay whole for other lanes. Threads that have not
   * booted yet are left alone: piscina stops replacing threads for good once
   * one dies before it is ready.
   */
  readonly #balance: LoadBalancer = (task, workers) => {
    const batch = task[queueOptionsSymbol] as Batch | null;
    if (batch === null) return null;
    let best: (typeof workers)[number] | null = null;
    let bestLoad = -1;
    for (const worker of workers) {
      if (!this.#readyThreads.has(worker.id)) continue;
      // piscina reads a thread running one abortable task (every batch is) as full.
      const load = worker.isRunningAbortableTask ? 1 : worker.currentUsage;
      if (load === 0) {
        if (bestLoad < 0) {
          best = worker;
          bestLoad = 0;
        }
      } else if (
        load < batch.concurrency &&
        load > bestLoad &&
        this.#lanes.get(worker.id) === batch.lane
      ) {
        best = worker;
        bestLoad = load;
      }
    }
    if (best === null) return null;
    this.#lanes.set(best.id, batch.lane);
    batch.thread = best.id;
    if (batch.timed) this.watch(batch);
    return best;
  };

  readonly #onMessage = (message: unknown): void => {
    if (this.#onProgress === null || !isProgressMessage(message)) return;
    const attempt = this.#active.get(message.runId);
    if (attempt === undefined || attempt.verdict !== null) return;
    try {
      this.#onProgress(attempt.jobId, message.percent);
    } catch (err) {
      process.emitWarning(`cadre pool: onProgress threw: ${String(err)}`);
    }
  };

  async #shutdown(): Promise<void> {
    this.#destroyed = true;
    for (const batch of this.#batches) {
      if (batch.watchdog !== null) clearTimeout(batch.watchdog);
      batch.watchdog = null;
      for (const attempt of batch.attempts) {
        attempt.verdict ??= CANCELLED;
        if (attempt.timer !== null) clearTimeout(attempt.timer);
        attempt.timer = null;
      }
    }
    try {
      await this.#piscina.destroy();
    } finally {
      this.#control.close();
      this.#piscina.removeAllListeners();
    }
  }
}

function watch(batch: Batch): void {
  batch.pool.watch(batch);
}

/** The grace period of a stop is over: the batch is aborted if the attempt still runs. */
function hardAbort(attempt: Attempt): void {
  attempt.timer = null;
  const { batch } = attempt;
  if (!batch.settled && batch.board.cursor === attempt.index) batch.pool.terminate(batch);
}

function fromWorker(outcome: WorkerOutcome): BatchOutcome {
  switch (outcome.kind) {
    case 'ok':
      return { kind: 'ok', value: JSON.parse(outcome.json), json: outcome.json };
    case 'skipped':
      // Skipped only when stopped, and a stop sets the verdict: never met.
      return NOT_STARTED;
    case 'returned':
      return RETURNED;
    default:
      return outcome;
  }
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

/**
 * BullMQ 5 as its authors would run it at its best, on a Redis given by the
 * caller, in a db index and under a key prefix of the run's own:
 *
 * - processing alone: the jobs are added in bulk (`addBulk`, 1,000 at a
 *   time) first, then one worker is timed from its start until all have
 *   completed: in process (`concurrency`), or sandboxed on worker threads
 *   (`useWorkerThreads`, one thread per unit of concurrency);
 * - end to end: producers keep adding batches of 1,000 while the worker
 *   runs, timed from the first add until all have completed.
 *
 * Every job is added with `removeOnComplete: true`, so Redis holds only what
 * waits; each run's queue is obliterated after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Json } from '@cadre/core';

export interface BullTarget {
  host: string;
  port: number;
  db: number;
  /** Every key of the runs starts with it. */
  prefix: string;
}

export type BullProcessor =
  /** Returns its input, in the worker's process. */
  | { kind: 'echo'; concurrency: number }
  /** `await setTimeout(ms)`, in the worker's process: the I/O-bound job. */
  | { kind: 'sleep'; ms: number; concurrency: number }
  /** Returns its input, sandboxed: `tasks/bullmq-echo.js` on `threads` worker threads. */
  | { kind: 'threads'; threads: number };

const PROCESSOR_FILE = new URL('../../tasks/bullmq-echo.js', import.meta.url);
const BULK = 1000;
const LIMIT_MS = 300_000;

let runs = 0;

/** Adds `n` jobs of `data` in bulk, then times the worker from its start until all completed; jobs/s. */
export function bullProcessingRate(
  target: BullTarget,
  n: number,
  data: Json,
  processor: BullProcessor,
): Promise<number> {
  return withQueue(target, async (queue) => {
    for (let i = 0; i < n; i += BULK) await queue.addBulk(batch(Math.min(BULK, n - i), data));
    const worker = createWorker(target, queue.name, processor);
    try {
      await worker.waitUntilReady();
      const t0 = performance.now();
      await run(worker, n);
      return n / ((performance.now() - t0) / 1000);
    } finally {
      await worker.close();
    }
  });
}

/**
 * `producers` loops, each with a connection of its own, add batches of
 * 1,000 jobs of `data` while an in-process echo worker with `concurrency`
 * runs, until `n` have completed; jobs/s from the first add.
 */
export function bullEndToEndRate(
  target: BullTarget,
  n: number,
  data: Json,
  options: { producers: number; concurrency: number },
): Promise<number> {
  return withQueue(target, async (queue) => {
    const others = Array.from({ length: options.producers - 1 }, () =>
      openQueue(target, queue.name),
    );
    const worker = createWorker(target, queue.name, {
      kind: 'echo',
      concurrency: options.concurrency,
    });
    try {
      await Promise.all([worker.waitUntilReady(), ...others.map((q) => q.waitUntilReady())]);
      let sent = 0;
      const t0 = performance.now();
      const produce = Promise.all(
        [queue, ...others].map(async (producer) => {
          while (sent < n) {
            const size = Math.min(BULK, n - sent);
            sent += size;
            await producer.addBulk(batch(size, data));
          }
        }),
      );
      await Promise.all([produce, run(worker, n)]);
      return n / ((performance.now() - t0) / 1000);
    } finally {
      await worker.close();
      await Promise.all(others.map((q) => q.close()));
    }
  });
}

function connectionOf(target: BullTarget): ConnectionOptions {
  // BullMQ's workers need maxRetriesPerRequest: null (blocking commands).
  return { host: target.host, port: target.port, db: target.db, maxRetriesPerRequest: null };
}

function openQueue(target: BullTarget, name: string): Queue {
  return new Queue(name, {
    connection: connectionOf(target),
    prefix: target.prefix,
    defaultJobOptions: { removeOnComplete: true },
  });
}

/** A fresh queue for one run, obliterated with everything in it afterwards. */
async function withQueue<T>(target: BullTarget, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = openQueue(target, `run${++runs}`);
  try {
    return await fn(queue);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

function batch(size: number, data: Json): { name: string; data: Json }[] {
  return Array.from({ length: size }, () => ({ name: 'job', data }));
}

function createWorker(target: BullTarget, name: string, processor: BullProcessor): Worker {
  const options = { connection: connectionOf(target), prefix: target.prefix, autorun: false };
  switch (processor.kind) {
    case 'echo':
      return new Worker(name, async (job) => job.data as Json, {
        ...options,
        concurrency: processor.concurrency,
      });
    case 'sleep':
      return new Worker(
        name,
        async () => {
          await sleep(processor.ms);
          return null;
        },
        { ...options, concurrency: processor.concurrency },
      );
    case 'threads':
      return new Worker(name, PROCESSOR_FILE, {
        ...options,
        concurrency: processor.threads,
        useWorkerThreads: true,
      });
  }
}

/** Starts `worker` and resolves once `n` jobs have completed on it; rejects at the first failure. */
function run(worker: Worker, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let completed = 0;
    const timer = setTimeout(
      () => reject(new Error(`${completed} of ${n} jobs completed within ${LIMIT_MS / 1000} s`)),
      LIMIT_MS,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    worker.on('completed', () => {
      if (++completed === n) {
        clearTimeout(timer);
        resolve();
      }
    });
    worker.on('failed', (job, err) =>
      fail(new Error(`BullMQ job ${job?.id} failed: ${err.message}`)),
    );
    // Connection errors: BullMQ retries them itself; show them and let the deadline judge.
    worker.on('error', (err) => console.error(`  BullMQ worker: ${err.message}`));
    worker.run().then(
      () => fail(new Error(`the BullMQ worker stopped after ${completed} of ${n} jobs`)),
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  });
}

/**
 * Priorities against plain FIFO, measured in one run, rounds alternated
 * between the cases and medians kept (these machines are shared):
 * - the queue alone (core): every id pushed, then taken as the engine takes
 *   them (peek, then remove), with FifoQueue, with PriorityQueue at priority 0
 *   throughout, and with PriorityQueue at priorities uniform over -5..5; CPU
 *   ns per job;
 * - the engine in process (memory store, echo jobs): jobs/s with every job at
 *   priority 0 and with priorities uniform over -5..5, submitted while jobs
 *   run (as engine echo does), and as a backlog queued in a paused category,
 *   then drained.
 */
import { FifoQueue, PriorityQueue, type JobRequest } from '@cadre/core';
import { CHECKED_INPUT, engineRate, startBenchEngine } from './engine-bench.js';
import { percentile } from './percentiles.js';

/** Priorities uniform over -SPREAD..SPREAD in the mixed case. */
const SPREAD = 5;

export interface PriorityFigures {
  /** CPU ns per job through the queue alone. */
  queueNs: { fifo: number; flat: number; mixed: number };
  /** Engine jobs/s, submitted while running. */
  run: { flat: number; mixed: number };
  /** Engine jobs/s draining a backlog queued while paused. */
  drain: { flat: number; mixed: number };
}

export async function benchPriorities(
  threads: number,
  jobs: number,
  rounds = 5,
): Promise<PriorityFigures> {
  // A fixed draw, the same in every round: Math.random would time itself too.
  let seed = 12345;
  const priorities = Array.from({ length: jobs }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed % (2 * SPREAD + 1)) - SPREAD;
  });
  const flat = (): JobRequest => ({ task: 'echo', input: CHECKED_INPUT });
  const mixed = (i: number): JobRequest => ({
    task: 'echo',
    input: CHECKED_INPUT,
    priority: priorities[i % jobs]!,
  });

  const queueNs = queueFigures(jobs, priorities, rounds);
  const run = { flat: [] as number[], mixed: [] as number[] };
  const drain = { flat: [] as number[], mixed: [] as number[] };
  const e = await startBenchEngine(threads, 'memory');
  try {
    await engineRate(e.engine, 2000, flat);
    await engineRate(e.engine, 2000, mixed);
    for (let round = 0; round < rounds; round++) {
      run.flat.push(await engineRate(e.engine, jobs, flat));
      run.mixed.push(await engineRate(e.engine, jobs, mixed));
      drain.flat.push(await drainRate(e.engine, jobs, flat));
      drain.mixed.push(await drainRate(e.engine, jobs, mixed));
    }
  } finally {
    await e.close();
  }
  const median = (s: number[]) => percentile(s, 50);
  return {
    queueNs,
    run: { flat: median(run.flat), mixed: median(run.mixed) },
    drain: { flat: median(drain.flat), mixed: median(drain.mixed) },
  };
}

/** Jobs/s from resuming a paused category holding `n` queued jobs until the last succeeded. */
async function drainRate(
  engine: Awaited<ReturnType<typeof startBenchEngine>>['engine'],
  n: number,
  request: (i: number) => JobRequest,
): Promise<number> {
  await engine.patchCategory('default', { paused: true });
  for (let i = 0; i < n; i += 1000) {
    await engine.submit(Array.from({ length: Math.min(1000, n - i) }, (_, k) => request(i + k)));
  }
  let succeeded = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const off = engine.on('job:changed', (job) => {
    if (job.state === 'succeeded' && ++succeeded === n) resolveDone();
  });
  const t0 = performance.now();
  await engine.patchCategory('default', { paused: false });
  await done;
  off();
  return n / ((performance.now() - t0) / 1000);
}

function queueFigures(
  n: number,
  priorities: readonly number[],
  rounds: number,
): PriorityFigures['queueNs'] {
  const ids = Array.from({ length: n }, (_, i) => `job-${i.toString(36).padStart(8, '0')}`);
  // The job records by id: the backend reads each head's record as it takes it.
  const flatJobs = new Map(ids.map((id) => [id, { priority: 0 }]));
  const mixedJobs = new Map(ids.map((id, i) => [id, { priority: priorities[i]! }]));
  const samples = { fifo: [] as number[], flat: [] as number[], mixed: [] as number[] };
  for (let round = 0; round <= rounds; round++) {
    const t = cpuNs();
    const fifo = new FifoQueue();
    for (const [id] of flatJobs) fifo.push(id);
    while (fifo.size > 0) {
      const id = fifo.peek()!;
      if (flatJobs.get(id) !== undefined) fifo.remove(id);
    }
    const fifoNs = (cpuNs() - t) / n;

    const through = (jobs: Map<string, { priority: number }>): number => {
      const t0 = cpuNs();
      const queue = new PriorityQueue();
      for (const [id, job] of jobs) queue.push(id, job.priority);
      while (queue.size > 0) {
        const id = queue.peek()!;
        queue.remove(id, jobs.get(id)!.priority);
      }
      return (cpuNs() - t0) / n;
    };
    const flatNs = through(flatJobs);
    const mixedNs = through(mixedJobs);
    // Round 0 warms the JIT up.
    if (round === 0) continue;
    samples.fifo.push(fifoNs);
    samples.flat.push(flatNs);
    samples.mixed.push(mixedNs);
  }
  return {
    fifo: percentile(samples.fifo, 50),
    flat: percentile(samples.flat, 50),
    mixed: percentile(samples.mixed, 50),
  };
}

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/**
 * What a category card says of its threads: the threads the balancer gave it,
 * the jobs it has in flight on them, and how much of the pool that is.
 */
import type { CategoryView } from '@cadre/client';
import { formatCount } from './format.js';

type Counts = Pick<CategoryView, 'running' | 'allocated' | 'concurrency'>;

export interface ThreadUse {
  /** Jobs its threads can run at once: allocated threads × concurrency. */
  room: number;
  /** Its allocated threads, as a percentage of the pool (0..100). */
  allocatedPct: number;
  /**
   * Its jobs in flight in threads' worth (running / concurrency), as a
   * percentage of the pool (0..100): with concurrency 50, 25 jobs fill half
   * a thread. Within its allocation, it is how full its threads are.
   */
  inFlightPct: number;
}

export function threadUse(c: Counts, workers: number): ThreadUse {
  const concurrency = Math.max(1, c.concurrency);
  const pct = (threads: number) => (workers > 0 ? Math.min(100, (threads / workers) * 100) : 0);
  return {
    room: c.allocated * concurrency,
    allocatedPct: pct(c.allocated),
    inFlightPct: pct(c.running / concurrency),
  };
}

/** The words of "2 threads · 37 in flight · × 50 per thread", for the card to lay out. */
export interface ThreadWords {
  threads: string;
  unit: 'thread' | 'threads';
  inFlight: string;
  /** "× 50": only when a thread may run more than one job at once. */
  perThread: string | null;
}

export function threadWords(c: Counts): ThreadWords {
  return {
    threads: formatCount(c.allocated),
    unit: c.allocated === 1 ? 'thread' : 'threads',
    inFlight: formatCount(c.running),
    perThread: c.concurrency > 1 ? `× ${formatCount(c.concurrency)}` : null,
  };
}

/** The same as one line: "2 threads · 37 in flight · × 50 per thread". */
export function describeThreads(c: Counts): string {
  const w = threadWords(c);
  const perThread = w.perThread === null ? '' : ` · ${w.perThread} per thread`;
  return `${w.threads} ${w.unit} · ${w.inFlight} in flight${perThread}`;
}

/**
 * Store benchmarks, called by the bench workspace (`npm run bench`), never by
 * the tests: commit throughput and latency, the longest event-loop stall
 * during a compaction, and recovery time. Everything happens in fresh
 * directories under the OS temp dir, removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createJob, type Job } from '@cadre/core';
import { openLowdbStore, type LowdbStore } from './lowdb-store.js';

export interface BenchStoreOptions {
  /** Jobs queued for the recovery measurement. @defaultValue 1_000_000 */
  recoveryJobs?: number;
  /** Commits measured per live-job size. @defaultValue 20_000 */
  commits?: number;
  /** Commits kept in flight at once, as many concurrent submitters would. @defaultValue 64 */
  concurrency?: number;
  /** @defaultValue os.tmpdir() */
  baseDir?: string;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

export interface CommitFigures {
  liveJobs: number;
  commits: number;
  commitsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Commits carried by one write + fdatasync, on average. */
  commitsPerFlush: number;
}

export interface CompactionFigures {
  liveJobs: number;
  compactionMs: number;
  snapshotBytes: number;
  /** Longest gap seen by a 1 ms interval timer while compacting. */
  longestStallMs: number;
  /** Largest event-loop delay seen by perf_hooks' monitor. */
  maxLoopDelayMs: number;
}

export interface RecoveryFigures {
  jobs: number;
  journalBytes: number;
  snapshotBytes: number;
  /** Open (lock, read, replay) with every job in the journal. */
  fromJournalMs: number;
  /** Open with every job in the snapshot. */
  fromSnapshotMs: number;
}

export interface StoreBenchResult {
  commit: CommitFigures[];
  compaction: CompactionFigures;
  recovery: RecoveryFigures;
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function job(i: number): Job {
  return createJob(
    {
      id: `job-${i.toString(36).padStart(8, '0')}`,
      key: null,
      category: ['mail', 'images', 'reports'][i % 3] ?? 'mail',
      task: 'send',
      input: { to: `user${i}@example.com`, template: 'welcome', n: i },
      maxRetries: 3,
      timeoutMs: 30_000,
      runAtMs: null,
    },
    T0 + i,
  );
}

async function fill(store: LowdbStore, count: number, batch = 5_000): Promise<void> {
  for (let from = 0; from < count; from += batch) {
    const to = Math.min(count, from + batch);
    const mutations = [];
    for (let i = from; i < to; i++) mutations.push({ op: 'put' as const, job: job(i) });
    await store.commit(mutations);
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

async function measureCommits(
  store: LowdbStore,
  liveJobs: number,
  commits: number,
  concurrency: number,
): Promise<CommitFigures> {
  const latencies = new Float64Array(commits);
  const flushesBefore = store.stats().flushes;
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < commits) {
      const n = next++;
      // An update of a live job, as a start or a finish would write.
      const current = job(n % liveJobs);
      const t = performance.now();
      await store.commit([{ op: 'put', job: { ...current, state: 'running', attempts: 1 } }]);
      latencies[n] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = performance.now() - started;
  latencies.sort();
  return {
    liveJobs,
    commits,
    commitsPerSec: Math.round((commits / elapsed) * 1000),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[commits - 1] ?? 0),
    commitsPerFlush: round(commits / Math.max(1, store.stats().flushes - flushesBefore)),
  };
}

async function measureCompaction(store: LowdbStore, liveJobs: number): Promise<CompactionFigures> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  histogram.enable();
  const started = performance.now();
  last = started;
  await store.compact();
  const compactionMs = performance.now() - started;
  histogram.disable();
  clearInterval(probe);
  return {
    liveJobs,
    compactionMs: round(compactionMs),
    snapshotBytes: store.stats().snapshotBytes,
    longestStallMs: round(longest),
    maxLoopDelayMs: round(histogram.max / 1e6),
  };
}

async function timeOpen(dir: string): Promise<number> {
  const started = performance.now();
  const store = await openLowdbStore({ dir, compactMinBytes: Number.POSITIVE_INFINITY });
  const elapsed = performance.now() - started;
  await store.close();
  return round(elapsed);
}

export async function benchStore(options: BenchStoreOptions = {}): Promise<StoreBenchResult> {
  const recoveryJobs = options.recoveryJobs ?? 1_000_000;
  const commits = options.commits ?? 20_000;
  const concurrency = options.concurrency ?? 64;
  const log = options.log ?? (() => undefined);
  const base = await mkdtemp(join(options.baseDir ?? tmpdir(), 'cadre-bench-store-'));
  try {
    const commit: CommitFigures[] = [];
    let compaction: CompactionFigures | null = null;
    for (const liveJobs of [1_000, 100_000]) {
      const dir = join(base, `live-${liveJobs}`);
      const store = await openLowdbStore({ dir });
      try {
        await fill(store, liveJobs);
        await store.compact();
        // Warm-up, so that the first size measured does not pay for the JIT.
        await measureCommits(store, liveJobs, Math.min(commits, 2_000), concurrency);
        log(`store: ${commits} commits over ${liveJobs} live jobs`);
        commit.push(await measureCommits(store, liveJobs, commits, concurrency));
        if (liveJobs === 100_000) {
          log('store: compaction of 100,000 jobs');
          compaction = await measureCompaction(store, liveJobs);
        }
      } finally {
        await store.close();
      }
    }

    log(`store: recovery of ${recoveryJobs} queued jobs`);
    const dir = join(base, 'recovery');
    let store = await openLowdbStore({ dir, compactMinBytes: Number.POSITIVE_INFINITY });
    await fill(store, recoveryJobs, 10_000);
    const journalBytes = store.stats().journalBytes;
    await store.close();
    const fromJournalMs = await timeOpen(dir);
    store = await openLowdbStore({ dir, compactMinBytes: Number.POSITIVE_INFINITY });
    await store.compact();
    const snapshotBytes = store.stats().snapshotBytes;
    await store.close();
    const fromSnapshotMs = await timeOpen(dir);

    return {
      commit,
      compaction: compaction as CompactionFigures,
      recovery: { jobs: recoveryJobs, journalBytes, snapshotBytes, fromJournalMs, fromSnapshotMs },
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

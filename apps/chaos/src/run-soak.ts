/**
 * The soak: measure what the server sustains on an echo/sleep mix, then drive
 * it at half of that for a while, sampling memory, event-loop lag, journal
 * size, compactions and throughput; then judge whether they stayed flat
 * (soak-verdict.ts).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type CadreClient, type JobRequest } from '@cadre/client';
import { promValues } from './prom-text.js';
import { createRng, type Rng } from './rng.js';
import { chaosConfigPath, startServer } from './server-process.js';
import { soakVerdict, type SoakSample, type SoakVerdict } from './soak-verdict.js';

export interface SoakOptions {
  /** Duration of the paced phase. @defaultValue 10 */
  minutes?: number;
  /** @defaultValue 30 s, or a twelfth of the duration when that is shorter */
  sampleMs?: number;
  /** Length of the capacity measurement. @defaultValue 15 */
  capacitySeconds?: number;
  /** CADRE_WORKERS. @defaultValue 4 */
  workers?: number;
  /** @defaultValue 1 */
  seed?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  capacity: number;
  targetRate: number;
  minutes: number;
  sampleMs: number;
  samples: SoakSample[];
  submitted: number;
  submitErrors: number;
  verdict: SoakVerdict;
  /** The server did not stop cleanly (exit code ≠ 0). */
  stopProblem: string | null;
  ok: boolean;
}

const JOURNAL = /^journal-(\d+)\.jsonl$/;

export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const minutes = options.minutes ?? 10;
  const durationMs = minutes * 60_000;
  const sampleMs = options.sampleMs ?? Math.min(30_000, Math.max(1000, durationMs / 12));
  const log = options.log ?? (() => undefined);
  const rng = createRng(options.seed ?? 1);
  const dataDir = mkdtempSync(join(tmpdir(), 'cadre-soak-'));
  const server = startServer({
    config: chaosConfigPath('soak.config.json'),
    dataDir,
    workers: options.workers ?? 4,
  });
  try {
    const url = await server.ready;
    const client = createClient({ url });

    log(`measuring capacity for ${options.capacitySeconds ?? 15} s (unlimited submission)…`);
    const capacity = await measureCapacity(client, rng, (options.capacitySeconds ?? 15) * 1000);
    await drain(client, 120_000);
    const targetRate = Math.max(1, Math.round(capacity / 2));
    log(
      `capacity ≈ ${capacity.toFixed(0)} jobs/s; soaking at ${targetRate} jobs/s for ${minutes} min`,
    );

    const stop = new AbortController();
    const pacer = { submitted: 0, errors: 0 };
    const load = pace(client, rng, targetRate, pacer, stop.signal);
    const samples: SoakSample[] = [];
    const started = Date.now();
    let prev = {
      at: started,
      finished: finishedOf(await client.stats()),
      seq: maxJournalSeq(dataDir),
    };
    let compactions = 0;
    try {
      for (let k = 1; k * sampleMs <= durationMs; k++) {
        await sleep(started + k * sampleMs - Date.now());
        const [metrics, stats] = [
          promValues(await (await fetch(`${url}/metrics`)).text()),
          await client.stats(),
        ];
        const now = Date.now();
        const seq = maxJournalSeq(dataDir);
        compactions += Math.max(0, seq - prev.seq);
        const finished = finishedOf(stats);
        const sample: SoakSample = {
          atMs: now - started,
          rssBytes: metrics.get('process_resident_memory_bytes') ?? NaN,
          heapUsedBytes: metrics.get('nodejs_heap_size_used_bytes') ?? NaN,
          lagP99Ms: (metrics.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
          lagMaxMs: (metrics.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
          journalBytes: journalBytes(dataDir),
          compactions,
          throughput: ((finished - prev.finished) * 1000) / (now - prev.at),
          backlog: stats.queued + stats.running + stats.retrying + stats.delayed,
        };
        samples.push(sample);
        log(formatSampleLine(sample));
        prev = { at: now, finished, seq };
      }
    } finally {
      stop.abort();
      await load;
    }
    await drain(client, 120_000);
    const exit = await server.stop('SIGTERM');
    const stopProblem = exit.code === 0 ? null : `exit code ${exit.code}, signal ${exit.signal}`;
    const verdict = soakVerdict(samples, targetRate);
    return {
      capacity,
      targetRate,
      minutes,
      sampleMs,
      samples,
      submitted: pacer.submitted,
      submitErrors: pacer.errors,
      verdict,
      stopProblem,
      ok: verdict.ok && stopProblem === null && pacer.errors === 0,
    };
  } finally {
    await server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 80 % echo, 20 % short sleeps: cheap jobs, so that the server itself is what is measured. */
function soakRequest(rng: Rng): JobRequest {
  return rng.chance(0.8)
    ? { task: 'echo', input: { n: rng.int(0, 1e6) } }
    : { task: 'sleep', input: { ms: rng.int(5, 50) } };
}

/**
 * Jobs finished per second while submitting as fast as the server accepts,
 * with the backlog capped so that the measure is of running jobs, not of
 * filling a queue. The first 3 s (JIT, thread start-up) are not counted.
 */
async function measureCapacity(client: CadreClient, rng: Rng, ms: number): Promise<number> {
  const stop = new AbortController();
  let backlog = 0;
  const poll = (async () => {
    while (!stop.signal.aborted) {
      const s = await client.stats();
      backlog = s.queued;
      await sleep(100);
    }
  })();
  const loops = Array.from({ length: 4 }, async () => {
    while (!stop.signal.aborted) {
      if (backlog > 2000) {
        await sleep(20);
        continue;
      }
      await client.submit(Array.from({ length: 50 }, () => soakRequest(rng)));
      backlog += 50;
    }
  });
  const warm = 3000;
  await sleep(warm);
  const from = { at: Date.now(), finished: finishedOf(await client.stats()) };
  await sleep(Math.max(1000, ms - warm));
  const to = { at: Date.now(), finished: finishedOf(await client.stats()) };
  stop.abort();
  await Promise.all([poll, ...loops]);
  return ((to.finished - from.finished) * 1000) / (to.at - from.at);
}

/** Submits `rate` jobs per second in ticks of 100 ms, catching up after a slow answer. */
async function pace(
  client: CadreClient,
  rng: Rng,
  rate: number,
  counts: { submitted: number; errors: number },
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  let tick = 0;
  while (!signal.aborted) {
    const due = Math.floor((rate * (Date.now() - started)) / 1000) - counts.submitted;
    const n = Math.min(due, 2000);
    if (n > 0) {
      try {
        await client.submit(Array.from({ length: n }, () => soakRequest(rng)));
      } catch {
        counts.errors += 1;
      }
      counts.submitted += n;
    }
    tick += 1;
    await sleep(started + tick * 100 - Date.now());
  }
}

async function drain(client: CadreClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.stats();
    if (s.queued + s.running + s.delayed + s.retrying === 0) return;
    if (Date.now() > deadline) throw new Error(`backlog not drained after ${timeoutMs} ms`);
    await sleep(200);
  }
}

function finishedOf(s: { succeeded: number; failed: number; cancelled: number }): number {
  return s.succeeded + s.failed + s.cancelled;
}

function journalBytes(dir: string): number {
  let total = 0;
  for (const name of safeReaddir(dir)) {
    if (!JOURNAL.test(name)) continue;
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      // Deleted by a compaction between readdir and stat.
    }
  }
  return total;
}

/** Each compaction moves writing to the next journal segment, so the highest sequence counts them. */
function maxJournalSeq(dir: string): number {
  let max = 0;
  for (const name of safeReaddir(dir)) {
    const m = JOURNAL.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function formatSampleLine(s: SoakSample): string {
  const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);
  return (
    `t=${(s.atMs / 1000).toFixed(0)}s throughput=${s.throughput.toFixed(0)}/s backlog=${s.backlog} ` +
    `rss=${mib(s.rssBytes)}MiB heap=${mib(s.heapUsedBytes)}MiB lag p99=${s.lagP99Ms.toFixed(1)}ms ` +
    `max=${s.lagMaxMs.toFixed(1)}ms journal=${mib(s.journalBytes)}MiB compactions=${s.compactions}`
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Whether memory and event-loop lag stayed flat once warm: the last third of
 * the samples against the middle third (the first third is warm-up: the JIT,
 * the heap growing to its working size, retention not yet pruning).
 *
 * Medians, not means, so that one sample taken just before a major GC does
 * not decide. Tolerances:
 * - memory (RSS, heap used): the later median may exceed the earlier by 15 %
 *   plus 16 MiB. heap_used is sampled at an arbitrary point of the GC
 *   sawtooth (the young generation alone swings by up to 16–32 MiB), and RSS
 *   follows the heap with a lag; a leak of even 100 bytes per job, at a few
 *   hundred jobs per second over minutes, grows far beyond that.
 * - lag: the later median p99 may exceed the earlier by 50 % plus 20 ms. The
 *   values are milliseconds on a 2-core machine shared with the workers and
 *   the load generator, so a relative bound alone would flag noise; a backlog
 *   that builds up, or a compaction that blocks the loop, shows as tens to
 *   hundreds of ms.
 * - throughput: at half of the measured capacity the server must keep up:
 *   the last third's median at least 90 % of the target rate (the rest is
 *   sampling jitter of a paced load).
 */
export interface SoakSample {
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  lagP99Ms: number;
  lagMaxMs: number;
  journalBytes: number;
  compactions: number;
  /** Jobs finished per second since the previous sample. */
  throughput: number;
  /** Queued + running + retrying at the sample. */
  backlog: number;
}

export interface FlatCheck {
  name: string;
  middle: number;
  last: number;
  limit: number;
  ok: boolean;
}

export interface SoakVerdict {
  checks: FlatCheck[];
  ok: boolean;
  /** Why no verdict could be given (too few samples). */
  note: string | null;
}

const MiB = 1024 * 1024;

export function soakVerdict(samples: readonly SoakSample[], targetRate: number): SoakVerdict {
  if (samples.length < 6) {
    return {
      checks: [],
      ok: true,
      note: `only ${samples.length} samples: too few for a verdict (need 6)`,
    };
  }
  const third = Math.floor(samples.length / 3);
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(samples.length - third);
  const check = (
    name: string,
    pick: (s: SoakSample) => number,
    limit: (m: number) => number,
  ): FlatCheck => {
    const m = median(middle.map(pick));
    const l = median(last.map(pick));
    return { name, middle: m, last: l, limit: limit(m), ok: l <= limit(m) };
  };
  const checks = [
    check(
      'rss',
      (s) => s.rssBytes,
      (m) => m * 1.15 + 16 * MiB,
    ),
    check(
      'heap used',
      (s) => s.heapUsedBytes,
      (m) => m * 1.15 + 16 * MiB,
    ),
    check(
      'lag p99',
      (s) => s.lagP99Ms,
      (m) => m * 1.5 + 20,
    ),
  ];
  const throughput = median(last.map((s) => s.throughput));
  checks.push({
    name: 'throughput ≥ 90 % of target',
    middle: median(middle.map((s) => s.throughput)),
    last: throughput,
    limit: targetRate * 0.9,
    ok: throughput >= targetRate * 0.9,
  });
  return { checks, ok: checks.every((c) => c.ok), note: null };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

import { describe, expect, it } from 'vitest';
import { promValues } from './prom-text.js';
import { median, soakVerdict, type SoakSample } from './soak-verdict.js';

const MiB = 1024 * 1024;

function samples(n: number, at: (i: number) => Partial<SoakSample>): SoakSample[] {
  return Array.from({ length: n }, (_, i) => ({
    atMs: i * 1000,
    rssBytes: 100 * MiB,
    heapUsedBytes: 40 * MiB,
    lagP99Ms: 12,
    lagMaxMs: 30,
    journalBytes: 0,
    compactions: 0,
    throughput: 100,
    backlog: 0,
    ...at(i),
  }));
}

describe('soakVerdict', () => {
  it('calls flat memory and lag flat, despite warm-up growth and noise', () => {
    const v = soakVerdict(
      samples(12, (i) => ({ rssBytes: (i < 4 ? 60 : 100 + (i % 2) * 8) * MiB })),
      100,
    );
    expect(v.ok).toBe(true);
  });

  it('flags memory that keeps growing', () => {
    const v = soakVerdict(
      samples(12, (i) => ({ heapUsedBytes: (40 + i * 10) * MiB })),
      100,
    );
    expect(v.checks.find((c) => c.name === 'heap used')?.ok).toBe(false);
  });

  it('flags lag that builds up, and a server that falls behind its target', () => {
    const v = soakVerdict(
      samples(12, (i) => ({ lagP99Ms: i < 8 ? 10 : 80, throughput: i < 8 ? 100 : 50 })),
      100,
    );
    expect(v.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'lag p99',
      'throughput ≥ 90 % of target',
    ]);
  });

  it('gives no verdict on too few samples', () => {
    expect(
      soakVerdict(
        samples(3, () => ({})),
        100,
      ).note,
    ).toMatch(/too few/);
  });

  it('takes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('promValues', () => {
  it('reads unlabelled samples and sums labelled ones', () => {
    const text = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 123456',
      'nodejs_eventloop_lag_p99_seconds 0.012',
      'nodejs_heap_space_size_used_bytes{space="new"} 10',
      'nodejs_heap_space_size_used_bytes{space="old"} 20',
    ].join('\n');
    const v = promValues(text);
    expect(v.get('process_resident_memory_bytes')).toBe(123456);
    expect(v.get('nodejs_eventloop_lag_p99_seconds')).toBe(0.012);
    expect(v.get('nodejs_heap_space_size_used_bytes')).toBe(30);
  });
});

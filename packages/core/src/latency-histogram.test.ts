import { describe, expect, it } from 'vitest';
import {
  HISTOGRAM_MAX_BUCKET,
  LatencyHistogram,
  bucketOf,
  bucketValue,
  histogramCount,
  histogramProblem,
  histogramQuantile,
  mergeHistograms,
} from './latency-histogram.js';

describe('latency histogram buckets', () => {
  it('puts sub-millisecond, negative and NaN latencies in bucket 0, which reads back as 0', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.99)).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketValue(0)).toBe(0);
  });

  it('reads every latency from 1 ms to 2^30 ms back within 4.5 %', () => {
    for (let ms = 1; ms < 2 ** 30; ms *= 1.013) {
      const back = bucketValue(bucketOf(ms));
      expect(Math.abs(back - ms) / ms).toBeLessThan(0.045);
    }
  });

  it('caps very long latencies at the last bucket', () => {
    expect(bucketOf(2 ** 40)).toBe(HISTOGRAM_MAX_BUCKET);
    expect(bucketOf(Infinity)).toBe(HISTOGRAM_MAX_BUCKET);
  });

  it('orders buckets as it orders latencies', () => {
    let last = 0;
    for (let ms = 0; ms < 1e7; ms = ms * 1.5 + 1) {
      const k = bucketOf(ms);
      expect(k).toBeGreaterThanOrEqual(last);
      last = k;
    }
  });
});

describe('LatencyHistogram', () => {
  it('serialises only its non-empty buckets, ascending, as flat pairs', () => {
    const h = new LatencyHistogram();
    h.record(100);
    h.record(1);
    h.record(100, 2);
    expect(h.total).toBe(4);
    expect(h.toData()).toEqual([bucketOf(1), 1, bucketOf(100), 3]);
    expect(histogramProblem(h.toData())).toBeNull();
    h.clear();
    expect(h.toData()).toEqual([]);
  });

  it('reads the same back from data it was built from', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) h.record(i);
    expect(LatencyHistogram.from(h.toData()).toData()).toEqual(h.toData());
  });
});

describe('merging histograms', () => {
  it('adds counts bucket by bucket, whatever the overlap', () => {
    expect(mergeHistograms([1, 2, 5, 1], [0, 3, 5, 4, 9, 1])).toEqual([0, 3, 1, 2, 5, 5, 9, 1]);
    expect(mergeHistograms([], [3, 1])).toEqual([3, 1]);
    expect(mergeHistograms([3, 1], [])).toEqual([3, 1]);
  });

  it('gives the quantiles of the union: per-node histograms sum to the cluster', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 1; i <= 500; i++) {
      a.record(i);
      all.record(i);
    }
    for (let i = 501; i <= 1000; i++) {
      b.record(i * 3);
      all.record(i * 3);
    }
    const merged = mergeHistograms(a.toData(), b.toData());
    expect(merged).toEqual(all.toData());
    expect(histogramCount(merged)).toBe(1000);
  });
});

describe('histogramQuantile', () => {
  it('is null for an empty histogram', () => {
    expect(histogramQuantile([], 0.5)).toBeNull();
  });

  it('reads p50 and p95 within the bucket error', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    const p50 = histogramQuantile(h.toData(), 0.5)!;
    const p95 = histogramQuantile(h.toData(), 0.95)!;
    expect(Math.abs(p50 - 500) / 500).toBeLessThan(0.045);
    expect(Math.abs(p95 - 950) / 950).toBeLessThan(0.045);
  });

  it('clamps q to 0..1', () => {
    const data = LatencyHistogram.from([bucketOf(10), 1, bucketOf(1000), 1]).toData();
    expect(histogramQuantile(data, -1)).toBe(histogramQuantile(data, 0));
    expect(histogramQuantile(data, 2)).toBe(histogramQuantile(data, 1));
  });
});

describe('histogramProblem', () => {
  it.each([
    [{}, 'pairs'],
    [[1], 'pairs'],
    [[2, 1, 1, 1], 'ascending'],
    [[-1, 1], 'ascending'],
    [[HISTOGRAM_MAX_BUCKET + 1, 1], 'ascending'],
    [[1, 0], 'positive'],
    [[1, 1.5], 'positive'],
  ])('names what is wrong with %j', (value, words) => {
    expect(histogramProblem(value)).toContain(words);
  });
});

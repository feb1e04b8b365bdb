/**
 * A latency histogram with fixed log-scale buckets, so that the histograms
 * of several nodes (or minutes) add up bucket by bucket, and quantiles read
 * back from the sum with a bounded error.
 *
 * - Bucket 0 holds [0, 1) ms; bucket k ≥ 1 holds [2^((k-1)/8), 2^(k/8)) ms:
 *   eight buckets per doubling, up to 2^31 ms (about 25 days; anything
 *   longer lands in the last bucket).
 * - A quantile reads back as its bucket's geometric middle: within 4.5 %
 *   of the true value above 1 ms, and 0 below it.
 * - Stored and sent as `HistogramData`: the non-empty buckets as flat pairs
 *   `[bucket, count, bucket, count, …]`, buckets ascending. A minute of one
 *   category rarely fills more than a few dozen buckets, so a row stays a
 *   short int array in JSON and in PostgreSQL.
 *
 * Why not hdr-histogram-js: its buckets depend on the range and precision a
 * histogram was made with, its encoding is a base64 blob, and it brings a
 * WebAssembly build along; cadre needs one fixed layout that adds up across
 * nodes and releases, which a 250-slot array gives.
 */

/** Buckets per doubling of the latency. */
export const HISTOGRAM_SUB_BUCKETS = 8;
/** The last bucket: [2^30.875, ∞) ms. */
export const HISTOGRAM_MAX_BUCKET = 1 + HISTOGRAM_SUB_BUCKETS * 31;

/** Non-empty buckets as flat pairs `[bucket, count, …]`, buckets ascending. */
export type HistogramData = number[];

/** The bucket that holds `ms` (negative or NaN counts as 0). */
export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  const k = 1 + Math.floor(Math.log2(ms) * HISTOGRAM_SUB_BUCKETS);
  return k > HISTOGRAM_MAX_BUCKET ? HISTOGRAM_MAX_BUCKET : k;
}

/** The value a bucket reads back as: its geometric middle (0 for bucket 0). */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  return 2 ** ((bucket - 0.5) / HISTOGRAM_SUB_BUCKETS);
}

/** A histogram being filled: a dense array of counts, cheap to record into. */
export class LatencyHistogram {
  readonly #counts = new Array<number>(HISTOGRAM_MAX_BUCKET + 1).fill(0);
  #total = 0;

  /** Latencies recorded (or merged in). */
  get total(): number {
    return this.#total;
  }

  record(ms: number, n = 1): void {
    this.#counts[bucketOf(ms)]! += n;
    this.#total += n;
  }

  /** Adds the counts of `data` (HistogramData) to this histogram. */
  add(data: HistogramData): void {
    for (let i = 0; i + 1 < data.length; i += 2) {
      const bucket = data[i]!;
      const n = data[i + 1]!;
      if (!isBucket(bucket) || !(n > 0)) continue;
      this.#counts[bucket]! += n;
      this.#total += n;
    }
  }

  /** The non-empty buckets as HistogramData. */
  toData(): HistogramData {
    const data: number[] = [];
    if (this.#total === 0) return data;
    for (let k = 0; k < this.#counts.length; k++) {
      const n = this.#counts[k]!;
      if (n > 0) data.push(k, n);
    }
    return data;
  }

  /** Forgets every count. */
  clear(): void {
    if (this.#total === 0) return;
    this.#counts.fill(0);
    this.#total = 0;
  }

  static from(...parts: HistogramData[]): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const data of parts) h.add(data);
    return h;
  }
}

/** The sum of two histograms, as HistogramData. */
export function mergeHistograms(a: HistogramData, b: HistogramData): HistogramData {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ka = i < a.length ? a[i]! : Infinity;
    const kb = j < b.length ? b[j]! : Infinity;
    if (ka === kb) {
      out.push(ka, a[i + 1]! + b[j + 1]!);
      i += 2;
      j += 2;
    } else if (ka < kb) {
      out.push(ka, a[i + 1]!);
      i += 2;
    } else {
      out.push(kb, b[j + 1]!);
      j += 2;
    }
  }
  return out;
}

/** How many latencies `data` holds. */
export function histogramCount(data: HistogramData): number {
  let n = 0;
  for (let i = 1; i < data.length; i += 2) n += data[i]!;
  return n;
}

/**
 * The `q` quantile (0..1) of `data`, in ms, rounded to 0.1 ms: the value of
 * the bucket that holds the ⌈q·n⌉-th latency. null when `data` is empty.
 */
export function histogramQuantile(data: HistogramData, q: number): number | null {
  const n = histogramCount(data);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(Math.min(Math.max(q, 0), 1) * n));
  let seen = 0;
  for (let i = 0; i + 1 < data.length; i += 2) {
    seen += data[i + 1]!;
    if (seen >= rank) return Math.round(bucketValue(data[i]!) * 10) / 10;
  }
  return Math.round(bucketValue(data[data.length - 2]!) * 10) / 10;
}

/** Why `value` is not HistogramData, or null. */
export function histogramProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length % 2 !== 0) {
    return 'a histogram is an array of [bucket, count] pairs';
  }
  let last = -1;
  for (let i = 0; i < value.length; i += 2) {
    const bucket: unknown = value[i];
    const n: unknown = value[i + 1];
    if (typeof bucket !== 'number' || !isBucket(bucket) || bucket <= last) {
      return `a histogram's buckets are ascending integers from 0 to ${HISTOGRAM_MAX_BUCKET}`;
    }
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      return "a histogram's counts are positive integers";
    }
    last = bucket;
  }
  return null;
}

function isBucket(k: number): boolean {
  return Number.isInteger(k) && k >= 0 && k <= HISTOGRAM_MAX_BUCKET;
}

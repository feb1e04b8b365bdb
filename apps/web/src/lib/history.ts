/**
 * The last few minutes of the live numbers, kept in the browser for the
 * charts: one sample per snapshot (and per allocation event, so that the
 * balancer's steps show at the moment they happen).
 */
import type { AllocationPayload, SnapshotPayload } from '@cadre/client';
import { allocatedThreads } from './nodes.js';
import { RingBuffer } from './ring-buffer.js';

export interface Sample {
  /** Seconds since the epoch (uPlot's time unit). */
  t: number;
  allocated: Record<string, number>;
  running: Record<string, number>;
  throughput: Record<string, number>;
  queued: Record<string, number>;
  /** 95th percentile wait over the last minute (ms), by category; absent when none started. */
  waitP95: Record<string, number>;
  /** Threads allocated on each node (all categories together), by node name. */
  nodeAllocated: Record<string, number>;
}

export type Metric = Exclude<keyof Sample, 't'>;

/** uPlot's aligned data: x values, then one array per category (or node). */
export type Columns = [number[], ...(number | null)[][]];

/** What a chart draws from: the live samples here, or the server's history (server-history.ts). */
export interface ChartSource {
  /** The span the chart shows, ending now. */
  readonly windowMs: number;
  columns(metric: string, nowMs: number, names: readonly string[]): Columns;
}

export interface HistoryOptions {
  /** @defaultValue 300_000 (five minutes) */
  windowMs?: number;
  /** @defaultValue 2000 */
  capacity?: number;
}

export class History {
  readonly windowMs: number;
  readonly #samples: RingBuffer<Sample>;
  /** Every category seen in the window, in first-seen order (stable colours and series). */
  readonly #names: string[] = [];
  /**
   * Every node in the samples still in the window, in first-seen order: a
   * removed node leaves the chart once its last sample has scrolled out, so
   * that a cluster whose nodes come and go does not pile up empty series.
   */
  #nodeNames: string[] = [];

  constructor(options: HistoryOptions = {}) {
    this.windowMs = options.windowMs ?? 300_000;
    this.#samples = new RingBuffer(options.capacity ?? 2000);
  }

  get categories(): readonly string[] {
    return this.#names;
  }

  get nodes(): readonly string[] {
    return this.#nodeNames;
  }

  get size(): number {
    return this.#samples.size;
  }

  addSnapshot(payload: SnapshotPayload, nowMs: number): void {
    const sample: Sample = {
      t: nowMs / 1000,
      allocated: {},
      running: {},
      throughput: {},
      queued: {},
      waitP95: {},
      nodeAllocated: {},
    };
    for (const n of payload.nodes) {
      if (!this.#nodeNames.includes(n.name)) this.#nodeNames.push(n.name);
      sample.nodeAllocated[n.name] = allocatedThreads(n.allocation);
    }
    for (const c of payload.categories) {
      this.#see(c.name);
      sample.allocated[c.name] = c.allocated;
      sample.running[c.name] = c.running;
      sample.throughput[c.name] = c.throughput;
      // Work waiting to run: what the balancer weighs (retrying/delayed wait on time, not on workers).
      sample.queued[c.name] = c.queued;
      if (c.waitP95Ms !== null && c.waitP95Ms !== undefined) sample.waitP95[c.name] = c.waitP95Ms;
    }
    this.#push(sample);
  }

  addAllocation(payload: AllocationPayload, nowMs: number): void {
    const parsed = Date.parse(payload.at);
    // The server's clock may differ from the browser's: trust it only when close.
    const atMs = Number.isFinite(parsed) && Math.abs(parsed - nowMs) < 5000 ? parsed : nowMs;
    const prev = this.#samples.last();
    const sample: Sample = {
      t: Math.max(atMs / 1000, prev?.t ?? 0),
      allocated: { ...payload.allocation },
      running: { ...prev?.running },
      throughput: { ...prev?.throughput },
      queued: { ...prev?.queued },
      waitP95: { ...prev?.waitP95 },
      nodeAllocated: { ...prev?.nodeAllocated },
    };
    for (const name of Object.keys(payload.allocation)) this.#see(name);
    this.#push(sample);
  }

  /** Repeats the latest values at `nowMs` so that charts keep moving while the server is quiet. */
  tick(nowMs: number): void {
    const prev = this.#samples.last();
    if (!prev) return;
    this.#push({ ...prev, t: nowMs / 1000 });
  }

  /** Columns for one metric over the window ending at `nowMs`. */
  columns(metric: Metric, nowMs: number, names: readonly string[] = this.#names): Columns {
    const from = (nowMs - this.windowMs) / 1000;
    const samples = this.#samples.toArray().filter((s) => s.t >= from);
    const xs = samples.map((s) => s.t);
    // No wait means nothing started over the last minute: a gap, not a wait of 0.
    const none = metric === 'waitP95' ? null : 0;
    const series = names.map((name) => samples.map((s) => s[metric][name] ?? none));
    return [xs, ...series];
  }

  #see(name: string): void {
    if (!this.#names.includes(name)) this.#names.push(name);
  }

  #push(sample: Sample): void {
    const prev = this.#samples.last();
    // Keep x strictly increasing (uPlot needs sorted x); a same-instant sample replaces the last.
    if (prev && sample.t <= prev.t) {
      sample.t = prev.t + 0.001;
    }
    // A full buffer drops its oldest sample on push.
    const dropsOne = this.#samples.size === this.#samples.capacity;
    this.#samples.push(sample);
    const from = sample.t - this.windowMs / 1000;
    const before = this.#samples.size;
    this.#samples.dropWhile((s) => s.t < from);
    if (dropsOne || this.#samples.size < before) this.#forgetGoneNodes(sample);
  }

  #forgetGoneNodes(newest: Sample): void {
    if (this.#nodeNames.every((name) => name in newest.nodeAllocated)) return;
    const present = new Set<string>();
    for (const s of this.#samples.toArray()) {
      for (const name of Object.keys(s.nodeAllocated)) present.add(name);
    }
    this.#nodeNames = this.#nodeNames.filter((name) => present.has(name));
  }
}

/**
 * Funnels every mutation the engine makes into the store in program order,
 * one commit at a time, as few commits as possible.
 *
 * - `add` is for what a caller is answered after (submit, cancel, retry, a
 *   category change): it commits as soon as the commit in flight is done,
 *   with everything pending. If it cannot be written the caller is told, and
 *   its mutations are forgotten: nothing was acknowledged, nothing applied.
 * - `later` is for what nobody waits on (a job started, promoted, finished,
 *   pruned): it rides the next `add`, or a commit `writeBehindMs` later, so a
 *   stream of completions shares one journal append and one fsync. What
 *   `later` hands over is never dropped: if the store refuses a commit, those
 *   mutations go back to the head of the line and are committed again, with
 *   backoff, until they are durable. `onDurable` runs then.
 *
 * One commit is in flight at a time. That keeps the journal in program order
 * even when a commit fails and its write-behind records are committed again:
 * nothing written after them can overtake them.
 *
 * A commit the store refuses as unserialisable (ERR_VALIDATION: a BigInt or a
 * cycle an embedder put in an input) is split, and each part is committed on
 * its own, so that one bad submission fails alone.
 */
import { Errors, isCadreError } from '@cadre/core';
import type { JobStore, Mutation } from './job-store.js';

interface Entry {
  mutations: readonly Mutation[];
  /** An `add`: its caller is answered. */
  resolve?: () => void;
  reject?: (err: unknown) => void;
  /** A `later`: told once durable. */
  onDurable?: () => void;
}

export interface CommitBatcherOptions {
  /** Told when a write-behind commit fails (nobody else is waiting on it); it will be tried again. */
  onError(err: unknown): void;
  /** Told when the store takes commits again after refusing some. */
  onWritable(): void;
  /** @defaultValue 10 */
  writeBehindMs?: number;
  /** First and longest wait before a refused write-behind is tried again. @defaultValue 50, 5000 */
  retryMs?: { first: number; max: number };
}

export class CommitBatcher {
  readonly #store: JobStore;
  readonly #options: CommitBatcherOptions;
  readonly #writeBehindMs: number;
  #queue: Entry[] = [];
  #inFlight = false;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #soon = false;
  #failures = 0;
  #closed = false;

  constructor(store: JobStore, options: CommitBatcherOptions) {
    this.#store = store;
    this.#options = options;
    this.#writeBehindMs = options.writeBehindMs ?? 10;
  }

  /** False from a refused commit until a commit succeeds again. */
  get writable(): boolean {
    return this.#failures === 0;
  }

  /** Resolves when `mutations` (and everything queued before them) are durable. */
  add(mutations: readonly Mutation[]): Promise<void> {
    if (this.#closed) return Promise.reject(Errors.shuttingDown());
    return new Promise((resolve, reject) => {
      this.#queue.push({ mutations, resolve, reject });
      this.#schedule(0);
    });
  }

  /** Records `mutations` soon, without anyone waiting; `onDurable` runs once they are durable. */
  later(mutations: readonly Mutation[], onDurable?: () => void): void {
    this.#queue.push(onDurable ? { mutations, onDurable } : { mutations });
    this.#schedule(this.#writeBehindMs);
  }

  /** Stops retrying; pending write-behind records are left unwritten. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const e of this.#queue) e.reject?.(Errors.shuttingDown());
    this.#queue = this.#queue.filter((e) => e.reject === undefined);
  }

  /** Commits after `delayMs`, or at the end of this tick for 0, unless a commit is already due sooner. */
  #schedule(delayMs: number): void {
    if (this.#inFlight || this.#closed || this.#soon) return;
    if (this.#timer !== null) {
      if (Date.now() + delayMs >= this.#timerAt) return;
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerAt = Infinity;
    }
    if (delayMs === 0) {
      this.#soon = true;
      queueMicrotask(() => {
        this.#soon = false;
        void this.#commit();
      });
      return;
    }
    this.#timerAt = Date.now() + delayMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      void this.#commit();
    }, delayMs);
  }

  async #commit(): Promise<void> {
    const batch = this.#queue;
    if (batch.length === 0 || this.#inFlight || this.#closed) return;
    this.#queue = [];
    this.#inFlight = true;
    let mutations: Mutation[];
    if (batch.length === 1) mutations = batch[0]!.mutations as Mutation[];
    else {
      mutations = [];
      for (const e of batch) for (const m of e.mutations) mutations.push(m);
    }
    let failed: Entry[] = [];
    let error: unknown = null;
    try {
      await this.#store.commit(mutations);
      settle(batch);
    } catch (err) {
      if (isUnserialisable(err) && batch.length > 1) {
        ({ failed, error } = await this.#commitOneByOne(batch));
      } else {
        failed = batch;
        error = err;
      }
    }
    this.#inFlight = false;
    this.#refused(failed, error);
    if (this.#queue.length > 0) {
      const adds = this.#queue.some((e) => e.resolve !== undefined);
      this.#schedule(adds ? 0 : this.#failures > 0 ? this.#backoff() : this.#writeBehindMs);
    }
  }

  /** After a commit refused as unserialisable: each entry on its own, so only the bad ones fail. */
  async #commitOneByOne(batch: Entry[]): Promise<{ failed: Entry[]; error: unknown }> {
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      try {
        await this.#store.commit(entry.mutations);
        settle([entry]);
      } catch (err) {
        if (!isUnserialisable(err)) return { failed: batch.slice(i), error: err };
        // It can never be written: its caller is told; a write-behind one is dropped.
        if (entry.reject) entry.reject(err);
        else this.#options.onError(err);
      }
    }
    return { failed: [], error: null };
  }

  /** Callers of `add` are told; write-behind records go back to the head of the line. */
  #refused(failed: Entry[], error: unknown): void {
    if (failed.length === 0) {
      if (this.#failures > 0) {
        this.#failures = 0;
        this.#options.onWritable();
      }
      return;
    }
    this.#failures += 1;
    const kept: Entry[] = [];
    for (const e of failed) {
      if (e.reject) e.reject(error);
      else kept.push(e);
    }
    if (kept.length > 0) {
      this.#options.onError(error);
      this.#queue = kept.concat(this.#queue);
    }
  }

  #backoff(): number {
    const { first, max } = this.#options.retryMs ?? { first: 50, max: 5000 };
    return Math.min(max, first * 2 ** Math.min(this.#failures - 1, 16));
  }
}

function settle(entries: readonly Entry[]): void {
  for (const e of entries) {
    if (e.resolve) e.resolve();
    else e.onDurable?.();
  }
}

function isUnserialisable(err: unknown): boolean {
  return isCadreError(err) && err.code === 'ERR_VALIDATION';
}

/**
 * Batches the ends of attempts (completions and interrupts) into as few
 * transactions as possible: what arrives while one is in flight, or within
 * `lingerMs` of the first, goes into the next. Each caller is answered once
 * its change is committed.
 *
 * An outcome is never dropped: while the database is out of reach, the batch
 * is kept and tried again, with backoff from `retryMs.first` to
 * `retryMs.max`, until it lands (or until `abandon`, when the backend closes
 * during an outage: the attempts then stay running on this node, and a later
 * open of the node, or a reap, queues them again). A batch the database
 * refuses for another reason is split, so that one bad change fails alone.
 */
import type { Job } from '@cadre/core';
import { isOutageError } from './db-errors.js';
import type { FencedChange } from './sql/fenced.js';

interface Entry {
  change: FencedChange;
  resolve(job: Job | null): void;
  reject(err: unknown): void;
}

export interface FencedBatcherOptions {
  /** Commits the changes in one transaction; resolves with each one's result, in order. */
  commit(changes: readonly FencedChange[]): Promise<(Job | null)[]>;
  /** @defaultValue 1 */
  lingerMs?: number;
  /** @defaultValue `{ first: 50, max: 5000 }` */
  retryMs?: { first: number; max: number };
}

export class FencedBatcher {
  readonly #commit: FencedBatcherOptions['commit'];
  readonly #lingerMs: number;
  readonly #retryMs: { first: number; max: number };
  #pending: Entry[] = [];
  #running: Promise<void> | null = null;
  #abandoned: Error | null = null;
  #wakeSleeper: (() => void) | null = null;

  constructor(options: FencedBatcherOptions) {
    this.#commit = options.commit;
    this.#lingerMs = options.lingerMs ?? 1;
    this.#retryMs = options.retryMs ?? { first: 50, max: 5000 };
  }

  add(change: FencedChange): Promise<Job | null> {
    if (this.#abandoned) return Promise.reject(this.#abandoned);
    return new Promise((resolve, reject) => {
      this.#pending.push({ change, resolve, reject });
      this.#running ??= this.#run();
    });
  }

  /** Resolves once everything added so far is committed (or abandoned). */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops trying: what is pending or being retried is rejected with `err`. */
  abandon(err: Error): void {
    this.#abandoned = err;
    for (const entry of this.#pending.splice(0)) entry.reject(err);
    this.#wakeSleeper?.();
  }

  async #run(): Promise<void> {
    await sleep(this.#lingerMs);
    while (this.#pending.length > 0) {
      await this.#flush(this.#pending.splice(0));
    }
    this.#running = null;
  }

  async #flush(batch: Entry[]): Promise<void> {
    let waitMs = this.#retryMs.first;
    for (;;) {
      if (this.#abandoned) {
        for (const entry of batch) entry.reject(this.#abandoned);
        return;
      }
      try {
        const results = await this.#commit(batch.map((e) => e.change));
        batch.forEach((entry, i) => entry.resolve(results[i] ?? null));
        return;
      } catch (err) {
        if (!isOutageError(err)) {
          if (batch.length === 1) batch[0]!.reject(err);
          else for (const entry of batch) await this.#flush([entry]);
          return;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wakeSleeper = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeSleeper = null;
      waitMs = Math.min(waitMs * 2, this.#retryMs.max);
      // What came in meanwhile rides along with the retry.
      batch = batch.concat(this.#pending.splice(0));
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * An in-memory JobStore for fast tests (the engine's included). Same
 * semantics as the durable store: commits apply in call order, all or
 * nothing, data that is not JSON is refused, and a store made unavailable
 * rejects like a full disk would.
 */
import type { Job } from '@cadre/core';
import { Errors } from '@cadre/core';
import type { CategoryOverride, JobStore, Mutation, StoredState } from './job-store.js';
import { applyJobDelta, diffJob } from './job-delta.js';
import { commitProblem, encodeCommit } from './records.js';
import { applySide, cloneSide, sideOf, type SideRecords } from './side-records.js';

export class MemoryStore implements JobStore {
  readonly #jobs = new Map<string, Job>();
  readonly #categories: Record<string, CategoryOverride> = {};
  #side: SideRecords = sideOf({});
  #unavailable: string | null = null;
  #closed = false;
  /** Commits accepted so far. */
  commits = 0;

  /** Starts from `initial`, as if it had been committed before. */
  constructor(initial?: StoredState) {
    if (initial !== undefined) {
      for (const job of initial.jobs) this.#jobs.set(job.id, job);
      for (const [name, override] of Object.entries(initial.categories)) {
        this.#categories[name] = { ...override };
      }
      this.#side = sideOf(initial);
    }
  }

  async load(): Promise<StoredState> {
    const categories: Record<string, CategoryOverride> = {};
    for (const [name, override] of Object.entries(this.#categories)) {
      categories[name] = { ...override };
    }
    return { jobs: [...this.#jobs.values()], categories, ...cloneSide(this.#side) };
  }

  async commit(mutations: readonly Mutation[]): Promise<void> {
    if (this.#closed) throw Errors.storeUnavailable('the store is closed');
    const problem = commitProblem(mutations);
    if (problem !== null) throw Errors.validation(`cannot store: ${problem}`);
    // The durable store writes JSON: refuse what it would refuse, alike.
    encodeCommit(mutations);
    if (this.#unavailable !== null) throw Errors.storeUnavailable(this.#unavailable);
    for (const m of mutations) {
      if (m.op === 'put') {
        this.#jobs.set(m.job.id, m.job);
      } else if (m.op === 'update') {
        // Applied as recovery applies the journal's delta, not taken whole, so
        // that a caller whose `prev` is not the stored record is found out.
        const stored = this.#jobs.get(m.job.id);
        if (stored !== undefined) {
          this.#jobs.set(m.job.id, applyJobDelta(stored, diffJob(m.prev, m.job)));
        }
      } else if (m.op === 'delete') {
        this.#jobs.delete(m.id);
      } else if (m.op === 'category') {
        this.#categories[m.name] = { ...this.#categories[m.name], ...m.override };
      } else {
        applySide(this.#side, m);
      }
    }
    this.commits++;
  }

  /**
   * Makes every later commit fail with ERR_STORE_UNAVAILABLE (`cause`) until
   * called with null: the in-memory stand-in for a full or failing disk.
   */
  setUnavailable(cause: string | null): void {
    this.#unavailable = cause;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

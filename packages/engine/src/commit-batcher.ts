/**
 * Funnels every mutation the engine makes into the store in program order,
 * batching those of one tick into one `commit` (one promise, one journal
 * append) instead of one per job transition.
 */
import type { JobStore, Mutation } from '@cadre/store';

export class CommitBatcher {
  #pending: Mutation[] = [];
  #flush: Promise<void> | null = null;

  constructor(private readonly store: JobStore) {}

  /** Resolves when `mutations` (and everything queued before them) are durable. */
  add(mutations: readonly Mutation[]): Promise<void> {
    for (const m of mutations) this.#pending.push(m);
    this.#flush ??= Promise.resolve().then(() => {
      const batch = this.#pending;
      this.#pending = [];
      this.#flush = null;
      return this.store.commit(batch);
    });
    return this.#flush;
  }
}

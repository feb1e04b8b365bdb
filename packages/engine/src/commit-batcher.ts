/**
 * Funnels every mutation the engine makes into the store in program order,
 * as few `commit`s as possible.
 *
 * - `add` is for what a caller is answered after (submit, cancel, retry):
 *   it commits at the end of the current tick, with everything pending.
 * - `later` is for what nobody waits on (a job started or finished: at-least-
 *   once does not wait for the disk): it rides the next `add`, or a commit
 *   `writeBehindMs` later, so a stream of job completions shares one journal
 *   append and one fsync instead of one each.
 */
import type { JobStore, Mutation } from '@cadre/store';

export class CommitBatcher {
  #pending: Mutation[] = [];
  #flush: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: JobStore,
    /** Told when a write-behind commit fails (nobody else is waiting on it). */
    private readonly onError: (err: unknown) => void,
    /** @defaultValue 10 */
    private readonly writeBehindMs = 10,
  ) {}

  /** Resolves when `mutations` (and everything queued before them) are durable. */
  add(mutations: readonly Mutation[]): Promise<void> {
    for (const m of mutations) this.#pending.push(m);
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#flush ??= Promise.resolve().then(() => this.#commit());
    return this.#flush;
  }

  /** Records `mutations` soon, without anyone waiting. */
  later(mutations: readonly Mutation[]): void {
    for (const m of mutations) this.#pending.push(m);
    if (this.#flush !== null || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.add([]).catch(this.onError);
    }, this.writeBehindMs);
  }

  #commit(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#flush = null;
    return this.store.commit(batch);
  }
}

/**
 * The local backend's metrics history (issue 14): one row per minute and
 * category, the last 24 h, in memory, written through the store as a side
 * record (side-records.ts) so that it survives a restart and a kill -9 up to
 * the last flush. A cluster of one: the rows are this node's, and summing
 * over nodes is the identity.
 */
import { historyKeptFrom, type HistoryRow } from '@cadre/core';
import type { Mutation, StoredState } from './job-store.js';
import { applyHistory } from './side-records.js';

export interface LocalHistoryOptions {
  /** Writes mutations durably (the backend's commit batcher). */
  commit: (mutations: Mutation[]) => Promise<void>;
}

export class LocalHistory {
  readonly #o: LocalHistoryOptions;
  #rows: Record<string, HistoryRow> = {};

  constructor(options: LocalHistoryOptions) {
    this.#o = options;
  }

  /** Takes in what the store read back at start. */
  load(state: StoredState): void {
    this.#rows = { ...state.history };
  }

  /** Writes the deltas durably, then adds them (and prunes, as replay will). */
  async record(rows: readonly HistoryRow[], now: number): Promise<void> {
    const fresh = rows.filter((r) => r.minute >= historyKeptFrom(now));
    await this.#o.commit([{ op: 'history', rows: fresh, now }]);
    applyHistory(this.#rows, fresh, now);
  }

  rows(sinceMs: number, now: number): HistoryRow[] {
    const from = Math.max(sinceMs, historyKeptFrom(now));
    return Object.values(this.#rows)
      .filter((r) => r.minute >= from)
      .sort(
        (a, b) =>
          a.minute - b.minute || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0),
      );
  }
}

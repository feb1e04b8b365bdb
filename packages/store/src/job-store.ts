/**
 * The storage contract the engine writes through. A store records mutations
 * and gives them back at start; it never decides anything about jobs.
 */
import type { Job } from '@cadre/core';
import type { CategoryOverride } from './backend.js';
import type { SideMutation, SideRecords } from './side-records.js';

export type { CategoryOverride };

export type Mutation =
  /** Insert or replace a job record (records are immutable values). */
  | { op: 'put'; job: Job }
  /**
   * Replace `prev`, the job's record as last committed, with `job`. The
   * journal keeps only the fields that differ (job-delta.ts): the caller
   * guarantees that `prev` is what the store holds for that id once every
   * earlier commit is applied, or the record read back after a crash will
   * differ from `job`. Use a put where that is not certain.
   */
  | {
      op: 'update';
      prev: Job;
      job: Job;
      /**
       * The JSON text of `job.result` on one line (as `JSON.stringify` writes
       * it), when the caller has it: a long one is journalled as it is, not
       * serialised again.
       */
      resultJson?: string;
    }
  /** Forget a finished job (retention). */
  | { op: 'delete'; id: string }
  /** Merge into a category's overrides. */
  | { op: 'category'; name: string; override: CategoryOverride }
  /** A schedule's or an observer's record, or an observer's result (side-records.ts). */
  | SideMutation;

export interface StoredState extends Partial<SideRecords> {
  jobs: Job[];
  categories: Record<string, CategoryOverride>;
}

export interface JobStore {
  /** Reads back everything committed so far. Called once, before any commit. */
  load(): Promise<StoredState>;
  /**
   * Records `mutations` in order. Resolves once they are durable (they
   * survive a `kill -9` from then on); rejects with ERR_STORE_UNAVAILABLE if
   * they could not be written, in which case none of them counts.
   * Commits are applied in the order they were called.
   */
  commit(mutations: readonly Mutation[]): Promise<void>;
  /** Flushes what is pending and releases the store (files, lock). */
  close(): Promise<void>;
}

/**
 * The one suite every JobStore passes. `reopen` gives back what a restart
 * would: the same instance for an in-memory store, a fresh open of the same
 * directory for a durable one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_OBSERVER_RESULTS,
  checkObserver,
  checkSchedule,
  isCadreError,
  transition,
  type Job,
} from '@cadre/core';
import type { JobStore, Mutation, StoredState } from '../job-store.js';
import { makeJob } from './jobs.js';

/** What a store holds besides jobs and categories when nothing was scheduled. */
const NO_SIDE = { schedules: {}, observers: {}, observations: {}, history: {} };

export interface StoreHarness {
  open(): Promise<JobStore>;
  reopen(store: JobStore): Promise<JobStore>;
  cleanup(): Promise<void>;
}

export function describeJobStoreConformance(
  name: string,
  factory: () => Promise<StoreHarness>,
): void {
  describe(`JobStore conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: JobStore;

    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
    });

    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    const reload = async (): Promise<StoredState> => {
      store = await harness.reopen(store);
      return store.load();
    };

    it('starts empty', async () => {
      expect(await store.load()).toEqual({ jobs: [], categories: {}, ...NO_SIDE });
    });

    it('gives back what was committed', async () => {
      const a = makeJob('a');
      const b = makeJob('b', {
        category: 'mail',
        input: { nested: [1, 'two', null, { x: true }] },
      });
      await store.commit([{ op: 'put', job: a }]);
      await store.commit([
        { op: 'put', job: b },
        { op: 'category', name: 'mail', override: { weight: 3 } },
      ]);
      expect(await reload()).toEqual({
        jobs: [a, b],
        categories: { mail: { weight: 3 } },
        ...NO_SIDE,
      });
    });

    it('keeps schedules, observers and their latest results, and forgets the deleted', async () => {
      const schedule = {
        ...checkSchedule({ name: 's', everyMs: 1000, job: { task: 'echo' } }),
        paused: false,
        sinceMs: 1,
        revision: 1,
        lastRunAtMs: null,
        lastJobId: null,
        source: 'api' as const,
      };
      const observer = {
        ...checkObserver({ name: 'o', query: { state: 'failed' }, everyMs: 1000 }),
        sinceMs: 1,
        revision: 1,
        source: 'config' as const,
      };
      const result = (i: number) => ({
        name: 'o',
        at: new Date(i).toISOString(),
        count: i,
        ids: [],
      });
      await store.commit([
        { op: 'schedule', name: 's', schedule },
        { op: 'schedule', name: 'gone', schedule: { ...schedule, name: 'gone' } },
        { op: 'observer', name: 'o', observer },
        { op: 'observer', name: 'p', observer: { ...observer, name: 'p' } },
        { op: 'observation', result: { ...result(1), name: 'p' } },
      ]);
      const results = Array.from({ length: MAX_OBSERVER_RESULTS + 2 }, (_, i) => result(i));
      await store.commit(results.map((r) => ({ op: 'observation', result: r }) as const));
      await store.commit([
        { op: 'schedule', name: 'gone', schedule: null },
        { op: 'observer', name: 'p', observer: null },
        { op: 'schedule', name: 's', schedule: { ...schedule, sinceMs: 2, revision: 2 } },
      ]);
      expect(await reload()).toEqual({
        jobs: [],
        categories: {},
        schedules: { s: { ...schedule, sinceMs: 2, revision: 2 } },
        observers: { o: observer },
        observations: { o: results.slice(2) },
        history: {},
      });
    });

    it('adds up history rows by minute and category, and forgets those older than 24 h', async () => {
      const M = 60_000;
      const row = (minute: number, succeeded: number, wait: number[]) => ({
        minute,
        category: 'mail',
        succeeded,
        failed: 0,
        wait,
        run: [],
      });
      await store.commit([{ op: 'history', rows: [row(0, 1, [3, 1]), row(M, 2, [])], now: M }]);
      await store.commit([{ op: 'history', rows: [row(M, 3, [3, 2, 9, 1])], now: M }]);
      expect((await reload()).history).toEqual({
        [`0\u0000mail`]: row(0, 1, [3, 1]),
        [`${M}\u0000mail`]: row(M, 5, [3, 2, 9, 1]),
      });
      // A day after the first minute, it is forgotten, in memory and on replay alike.
      await store.commit([{ op: 'history', rows: [], now: 24 * 60 * M }]);
      expect((await reload()).history).toEqual({ [`${M}\u0000mail`]: row(M, 5, [3, 2, 9, 1]) });
    });

    it('replaces a job on put, keeping its place in the order', async () => {
      await store.commit([{ op: 'put', job: makeJob('a') }]);
      await store.commit([{ op: 'put', job: makeJob('b') }]);
      const running = makeJob('a', { state: 'running', attempts: 1 });
      await store.commit([{ op: 'put', job: running }]);
      const { jobs } = await reload();
      expect(jobs.map((j) => j.id)).toEqual(['a', 'b']);
      expect(jobs[0]).toEqual(running);
    });

    it('applies updates to the records they replace, and keeps them across restarts', async () => {
      const a = makeJob('a');
      const b = makeJob('b');
      await store.commit([
        { op: 'put', job: a },
        { op: 'put', job: b },
      ]);
      const now = Date.parse(a.createdAt);
      const running = transition(a, { type: 'start', node: 'n1' }, now + 10);
      await store.commit([{ op: 'update', prev: a, job: running }]);
      const value = { echoed: a.input };
      const done = transition(
        running,
        { type: 'settle', outcome: { kind: 'ok', value }, retryDelayMs: 0 },
        now + 25,
      );
      await store.commit([
        { op: 'update', prev: running, job: done, resultJson: JSON.stringify(value) },
      ]);
      expect(await store.load()).toEqual({ jobs: [done, b], categories: {}, ...NO_SIDE });
      expect(await reload()).toEqual({ jobs: [done, b], categories: {}, ...NO_SIDE });
      const cancelled = transition(b, { type: 'cancel' }, now + 40);
      const retried = transition(cancelled, { type: 'retry', input: { again: true } }, now + 50);
      await store.commit([
        { op: 'update', prev: b, job: cancelled },
        { op: 'update', prev: cancelled, job: retried },
      ]);
      expect(await reload()).toEqual({ jobs: [done, retried], categories: {}, ...NO_SIDE });
    });

    it('ignores an update of a job it does not hold (deleted, or never put)', async () => {
      const a = makeJob('a');
      await store.commit([
        { op: 'put', job: a },
        { op: 'put', job: makeJob('b') },
      ]);
      await store.commit([{ op: 'delete', id: 'a' }]);
      const running = transition(a, { type: 'start', node: 'n1' }, Date.parse(a.createdAt));
      const stranger = makeJob('nobody');
      await store.commit([
        { op: 'update', prev: a, job: running },
        { op: 'update', prev: stranger, job: { ...stranger, progress: 5 } },
      ]);
      expect((await store.load()).jobs.map((j) => j.id)).toEqual(['b']);
      expect((await reload()).jobs.map((j) => j.id)).toEqual(['b']);
    });

    it('refuses an update that does not name the record it replaces', async () => {
      const a = makeJob('a');
      await store.commit([{ op: 'put', job: a }]);
      const orphan = [{ op: 'update', job: { ...a, progress: 1 } }] as unknown as Mutation[];
      expect(
        await store.commit(orphan).then(
          () => null,
          (e: unknown) => isCadreError(e) && e.code,
        ),
      ).toBe('ERR_VALIDATION');
      expect(await reload()).toEqual({ jobs: [a], categories: {}, ...NO_SIDE });
    });

    it('forgets a deleted job, and ignores deleting an unknown one', async () => {
      await store.commit([
        { op: 'put', job: makeJob('a') },
        { op: 'put', job: makeJob('b') },
      ]);
      await store.commit([
        { op: 'delete', id: 'a' },
        { op: 'delete', id: 'nobody' },
      ]);
      expect((await reload()).jobs.map((j) => j.id)).toEqual(['b']);
    });

    it('merges category overrides', async () => {
      await store.commit([{ op: 'category', name: 'mail', override: { weight: 2, paused: true } }]);
      await store.commit([{ op: 'category', name: 'mail', override: { paused: false } }]);
      await store.commit([{ op: 'category', name: 'img', override: { maxWorkers: null } }]);
      expect((await reload()).categories).toEqual({
        mail: { weight: 2, paused: false },
        img: { maxWorkers: null },
      });
    });

    it('applies concurrent commits in call order and resolves them in that order', async () => {
      const resolved: number[] = [];
      const commits = Array.from({ length: 100 }, (_, i) =>
        store
          .commit([{ op: 'put', job: makeJob('a', { progress: i }) }])
          .then(() => resolved.push(i)),
      );
      await Promise.all(commits);
      expect(resolved).toEqual(Array.from({ length: 100 }, (_, i) => i));
      const { jobs } = await reload();
      expect(jobs).toEqual([makeJob('a', { progress: 99 })]);
    });

    it('resolves every one of many concurrent commits', async () => {
      const ids = Array.from({ length: 500 }, (_, i) => `job-${i}`);
      await Promise.all(ids.map((id) => store.commit([{ op: 'put', job: makeJob(id) }])));
      expect((await reload()).jobs.map((j) => j.id)).toEqual(ids);
    });

    it('accepts an empty commit', async () => {
      await store.commit([]);
      await store.commit([{ op: 'put', job: makeJob('a') }]);
      await store.commit([]);
      expect((await reload()).jobs.map((j) => j.id)).toEqual(['a']);
    });

    it('keeps what was committed across several restarts', async () => {
      await store.commit([{ op: 'put', job: makeJob('a') }]);
      await reload();
      await store.commit([
        { op: 'put', job: makeJob('b') },
        { op: 'delete', id: 'a' },
      ]);
      await reload();
      await store.commit([{ op: 'put', job: makeJob('c') }]);
      expect((await reload()).jobs.map((j) => j.id)).toEqual(['b', 'c']);
    });

    it('refuses a malformed mutation and keeps the rest of the store working', async () => {
      const bad = [{ op: 'put', job: { ...makeJob('x'), id: '' } }] as const;
      const err: unknown = await store.commit(bad).catch((e) => e);
      expect(isCadreError(err) && err.code).toBe('ERR_VALIDATION');
      const unknown = [{ op: 'explode' }] as unknown as Mutation[];
      expect(
        await store.commit(unknown).then(
          () => null,
          (e: unknown) => isCadreError(e) && e.code,
        ),
      ).toBe('ERR_VALIDATION');
      await store.commit([{ op: 'put', job: makeJob('a') }]);
      expect((await reload()).jobs.map((j) => j.id)).toEqual(['a']);
    });

    describe('data that JSON cannot hold', () => {
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      const cases: [string, unknown][] = [
        ['a BigInt', { n: 10n }],
        ['a cycle', cyclic],
        [
          'a toJSON that throws',
          {
            toJSON: () => {
              throw new Error('no JSON for me');
            },
          },
        ],
      ];

      it.each(cases)('refuses %s with ERR_VALIDATION, that commit alone', async (_, input) => {
        const bad = makeJob('bad', { input: input as Job['input'] });
        // Issued in one turn, so that a durable store carries them in one group commit.
        const results = await Promise.allSettled([
          store.commit([{ op: 'put', job: makeJob('a') }]),
          store.commit([
            { op: 'put', job: makeJob('b') },
            { op: 'put', job: bad },
          ]),
          store.commit([{ op: 'put', job: makeJob('c') }]),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const err = (results[1] as PromiseRejectedResult).reason as unknown;
        expect(isCadreError(err) && err.code).toBe('ERR_VALIDATION');
        expect(String(err)).toMatch(/the data cannot be stored as JSON: \S/);
        expect((await store.load()).jobs.map((j) => j.id)).toEqual(['a', 'c']);
        await store.commit([{ op: 'put', job: makeJob('d') }]);
        expect((await reload()).jobs.map((j) => j.id)).toEqual(['a', 'c', 'd']);
      });
    });

    it('refuses commits once closed', async () => {
      await store.close();
      const err: unknown = await store.commit([{ op: 'put', job: makeJob('a') }]).catch((e) => e);
      expect(isCadreError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
      store = await harness.open();
    });
  });
}

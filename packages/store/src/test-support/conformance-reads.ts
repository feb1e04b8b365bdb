/** Conformance: reading jobs (get, list, counts) and the verbs of time (promoteDue, prune). */
import { describe, expect, it } from 'vitest';
import { JOB_STATES, transition, type Job, type JobState } from '@cadre/core';
import type { Backend } from '../backend.js';
import { claimOne, crash, submitOne } from './conformance-jobs.js';
import { T0, spec, type Conformance } from './conformance-support.js';

const zero = (): Record<JobState, number> =>
  Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;

/** Ends the attempt of a freshly claimed job of `category` at `now`: ok, cancelled or failed for good. */
async function finishOne(
  backend: Backend,
  category: string,
  how: 'ok' | 'cancelled' | 'failed',
  now: number,
): Promise<Job> {
  const job = await submitOne(backend, { category, maxRetries: 0 }, now);
  const running = await claimOne(backend, now, category);
  expect(running.id).toBe(job.id);
  const outcome =
    how === 'ok'
      ? { kind: 'ok' as const, value: 1 }
      : how === 'cancelled'
        ? { kind: 'cancelled' as const }
        : crash;
  const done = await backend.complete({ id: job.id, attempt: 1, outcome, retryDelayMs: 0 }, now);
  return done!;
}

export function describeReads(suite: Conformance): void {
  describe('get and list', () => {
    it('gets a job, or null', async () => {
      const { backend } = await suite.open();
      const job = await submitOne(backend);
      expect(await backend.get(job.id)).toEqual(job);
      expect(await backend.get('nobody')).toBeNull();
    });

    it('lists newest first and pages with the cursor', async () => {
      const { backend } = await suite.open();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const results = await backend.submit(
          Array.from({ length: 5 }, (_, j) => spec({ input: i * 5 + j })),
          T0 + i,
        );
        ids.push(...results.map((r) => r.job.id));
      }
      const newestFirst = [...ids].reverse();
      const seen: string[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      for (;;) {
        const page = await backend.list({ limit: 10, ...(cursor === undefined ? {} : { cursor }) });
        sizes.push(page.jobs.length);
        seen.push(...page.jobs.map((j) => j.id));
        if (page.nextCursor === null) break;
        expect(page.nextCursor).toBe(page.jobs[page.jobs.length - 1]!.id);
        cursor = page.nextCursor;
      }
      expect(sizes).toEqual([10, 10, 5]);
      expect(seen).toEqual(newestFirst);
      const all = await backend.list({});
      expect(all.jobs.map((j) => j.id)).toEqual(newestFirst);
      expect(all.nextCursor).toBeNull();
      expect(all.jobs[0]).toEqual(await backend.get(newestFirst[0]!));
    });

    it('filters by category, state, both, and key', async () => {
      const { backend } = await suite.open();
      const [a1, b1, a2, k] = (
        await backend.submit(
          [spec(), spec({ category: 'b' }), spec(), spec({ key: 'the-key', category: 'b' })],
          T0,
        )
      ).map((r) => r.job);
      const running = await claimOne(backend, T0 + 1);
      expect(running.id).toBe(a1!.id);
      const ids = async (query: Parameters<Backend['list']>[0]) =>
        (await backend.list(query)).jobs.map((j) => j.id);
      expect(await ids({ category: 'default' })).toEqual([a2!.id, a1!.id]);
      expect(await ids({ category: 'b' })).toEqual([k!.id, b1!.id]);
      expect(await ids({ state: 'queued' })).toEqual([k!.id, a2!.id, b1!.id]);
      expect(await ids({ state: 'running' })).toEqual([a1!.id]);
      expect(await ids({ category: 'default', state: 'queued' })).toEqual([a2!.id]);
      expect(await ids({ category: 'b', state: 'running' })).toEqual([]);
      expect(await ids({ category: 'nobody' })).toEqual([]);
      expect(await ids({ key: 'the-key' })).toEqual([k!.id]);
      expect(await ids({ key: 'the-key', category: 'default' })).toEqual([]);
      expect(await ids({ key: 'the-key', state: 'queued' })).toEqual([k!.id]);
      expect(await ids({ key: 'the-key', cursor: k!.id })).toEqual([]);
      expect(await ids({ key: 'no-such-key' })).toEqual([]);
      expect((await backend.list({ key: 'the-key' })).nextCursor).toBeNull();
      const page = await backend.list({ category: 'default', limit: 1 });
      expect(page.jobs.map((j) => j.id)).toEqual([a2!.id]);
      expect(await ids({ category: 'default', cursor: page.nextCursor! })).toEqual([a1!.id]);
    });

    it('clamps the limit to 1..1000, 100 by default', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        Array.from({ length: 1001 }, (_, i) => spec({ input: i })),
        T0,
      );
      expect((await backend.list({})).jobs).toHaveLength(100);
      expect((await backend.list({ limit: 0 })).jobs).toHaveLength(1);
      expect((await backend.list({ limit: -5 })).jobs).toHaveLength(1);
      const big = await backend.list({ limit: 5000 });
      expect(big.jobs).toHaveLength(1000);
      expect(big.nextCursor).not.toBeNull();
      const rest = await backend.list({ limit: 5000, cursor: big.nextCursor! });
      expect(rest.jobs).toHaveLength(1);
      expect(rest.nextCursor).toBeNull();
    });
  });

  describe('counts', () => {
    it('counts jobs per state for every category that has jobs, every state present; the backlog, unfinished jobs only', async () => {
      const { backend } = await suite.open();
      expect(await backend.counts()).toEqual({});
      expect(await backend.backlog()).toEqual({});
      await backend.submit(
        [spec(), spec(), spec({ runAtMs: T0 + 1000 }), spec({ category: 'mail' })],
        T0,
      );
      await claimOne(backend, T0);
      await finishOne(backend, 'fail', 'failed', T0 + 1);
      expect(await backend.counts()).toEqual({
        default: { ...zero(), queued: 1, running: 1, delayed: 1 },
        mail: { ...zero(), queued: 1 },
        fail: { ...zero(), failed: 1 },
      });
      // Only categories with unfinished jobs, only the unfinished states.
      const unfinished = { waiting: 0, delayed: 0, queued: 0, running: 0, retrying: 0 };
      expect(await backend.backlog()).toEqual({
        default: { ...unfinished, queued: 1, running: 1, delayed: 1 },
        mail: { ...unfinished, queued: 1 },
      });
    });
  });

  describe('promoteDue', () => {
    it('queues the delayed and retrying jobs that are due and tells when the next one is', async () => {
      const { backend } = await suite.open();
      expect(await backend.promoteDue(T0)).toBeNull();
      const [soon, late] = (
        await backend.submit([spec({ runAtMs: T0 + 1000 }), spec({ runAtMs: T0 + 9000 })], T0)
      ).map((r) => r.job);
      await submitOne(backend, { category: 'r' });
      const running = await claimOne(backend, T0, 'r');
      const retrying = await backend.complete(
        { id: running.id, attempt: 1, outcome: crash, retryDelayMs: 2000 },
        T0,
      );
      expect(retrying!.state).toBe('retrying');

      expect(await backend.promoteDue(T0 + 999)).toBe(T0 + 1000);
      expect((await backend.get(soon!.id))!.state).toBe('delayed');
      expect(await backend.promoteDue(T0 + 2000)).toBe(T0 + 9000);
      expect(await backend.get(soon!.id)).toEqual(
        transition(soon!, { type: 'promote' }, T0 + 2000),
      );
      expect(await backend.get(running.id)).toEqual(
        transition(retrying!, { type: 'promote' }, T0 + 2000),
      );
      expect(await backend.promoteDue(T0 + 10_000)).toBeNull();
      const promoted = await backend.get(late!.id);
      expect(promoted!.state).toBe('queued');
      // runAt stays: it tells when the job became due.
      expect(promoted!.runAt).toBe(new Date(T0 + 9000).toISOString());
    });
  });

  describe('prune', () => {
    it('forgets finished jobs both older than maxAgeMs and beyond maxCount, per category and class', async () => {
      const { backend } = await suite.open({
        limits: {
          retention: {
            maxAgeMs: 10_000,
            maxCount: 2,
            failed: { maxAgeMs: 20_000, maxCount: 1 },
          },
        },
      });
      const a = [
        await finishOne(backend, 'a', 'ok', T0 + 1000),
        await finishOne(backend, 'a', 'cancelled', T0 + 2000),
        await finishOne(backend, 'a', 'ok', T0 + 3000),
        await finishOne(backend, 'a', 'ok', T0 + 4000),
      ];
      const failed = [
        await finishOne(backend, 'a', 'failed', T0 + 1000),
        await finishOne(backend, 'a', 'failed', T0 + 2000),
        await finishOne(backend, 'a', 'failed', T0 + 30_000),
      ];
      const b = await finishOne(backend, 'b', 'ok', T0 + 1000);
      const live = await submitOne(backend, { category: 'a' }, T0);

      // All young, though a's two oldest and its two oldest failures are beyond the counts.
      expect(await backend.prune(T0 + 10_500)).toBe(0);
      // a's oldest has aged: it goes; the next is beyond the count but still young.
      expect(await backend.prune(T0 + 11_500)).toBe(1);
      expect(await backend.get(a[0]!.id)).toBeNull();
      expect(await backend.get(a[1]!.id)).not.toBeNull();
      // Everything old now: a keeps its newest 2 and its newest failure, b its only job.
      expect(await backend.prune(T0 + 40_000)).toBe(3);
      const left = (await backend.list({})).jobs.map((j) => j.id).sort();
      expect(left).toEqual([a[2]!.id, a[3]!.id, failed[2]!.id, b.id, live.id].sort());
      expect(await backend.prune(T0 + 40_000)).toBe(0);
    });

    it('forgets a job as its attempt ends when its retention class keeps nothing', async () => {
      const limits = {
        retention: { maxAgeMs: 0, maxCount: 0, failed: { maxAgeMs: 3_600_000, maxCount: 10 } },
      };
      const { backend } = await suite.open({ limits });
      const events: [Job, JobState | null][] = [];
      backend.on('change', (job, previous) => events.push([job, previous]));
      const ok = await finishOne(backend, 'a', 'ok', T0 + 1000);
      const cancelled = await finishOne(backend, 'a', 'cancelled', T0 + 2000);
      const failed = await finishOne(backend, 'a', 'failed', T0 + 3000);

      // Answered and told with the record it finished with, which is kept nowhere.
      expect(ok).toMatchObject({ state: 'succeeded', result: 1, attempts: 1 });
      expect(cancelled.state).toBe('cancelled');
      expect(events).toContainEqual([ok, 'running']);
      expect(events).toContainEqual([cancelled, 'running']);
      expect(await backend.get(ok.id)).toBeNull();
      expect(await backend.get(cancelled.id)).toBeNull();
      expect((await backend.list({ category: 'a' })).jobs.map((j) => j.id)).toEqual([failed.id]);
      expect((await backend.counts()).a).toEqual({ ...zero(), failed: 1 });
      // Its class keeps failures: they stay, and nothing is left to prune.
      expect(await backend.get(failed.id)).toMatchObject({ state: 'failed' });
      expect(await backend.prune(T0 + 10_000)).toBe(0);
      // Gone, the attempt cannot end again.
      const again = { id: ok.id, attempt: 1, outcome: { kind: 'ok' as const, value: 2 } };
      expect(await backend.complete({ ...again, retryDelayMs: 0 }, T0 + 4000)).toBeNull();

      const { backend: reopened } = await suite.reopen(backend, { limits });
      expect(await reopened.get(ok.id)).toBeNull();
      expect(await reopened.get(cancelled.id)).toBeNull();
      expect(await reopened.get(failed.id)).toMatchObject({ state: 'failed' });
    });

    it('keeps a lone job with a callback that retention would forget at its end, and fires the callback', async () => {
      const { backend } = await suite.open({
        limits: { retention: { maxAgeMs: 0, maxCount: 0, failed: { maxAgeMs: 0, maxCount: 0 } } },
      });
      const [parent, callback] = await backend.submit(
        [
          spec({ maxRetries: 0 }),
          spec({ maxRetries: 0, parents: [0], trigger: { on: 'success', pass: 'result' } }),
        ],
        T0,
      );
      expect(parent!.job.flowId).toBeNull();
      const running = await claimOne(backend, T0);
      expect(running.id).toBe(parent!.job.id);
      const outcome = { kind: 'ok' as const, value: 'passed on' };
      await backend.complete({ id: running.id, attempt: 1, outcome, retryDelayMs: 0 }, T0);
      expect(await backend.get(running.id)).toMatchObject({ state: 'succeeded' });
      // Fired with the parent's result before its own input.
      expect(await backend.get(callback!.job.id)).toMatchObject({
        state: 'queued',
        input: ['passed on', callback!.job.input],
      });
      // The callback itself has none: it goes as its attempt ends.
      const fired = await claimOne(backend, T0 + 1);
      expect(fired.id).toBe(callback!.job.id);
      await backend.complete({ id: fired.id, attempt: 1, outcome, retryDelayMs: 0 }, T0 + 1);
      expect(await backend.get(fired.id)).toBeNull();
      expect(await backend.prune(T0 + 2)).toBe(1);
      expect(await backend.get(running.id)).toBeNull();
    });

    it('keeps a job of a flow that retention would forget at its end, for the prune', async () => {
      const { backend } = await suite.open({
        limits: { retention: { maxAgeMs: 0, maxCount: 0, failed: { maxAgeMs: 0, maxCount: 0 } } },
      });
      const [first, next] = await backend.submit(
        [
          spec({ maxRetries: 0, flowRole: 'step' }),
          spec({
            maxRetries: 0,
            flowRole: 'step',
            parents: [0],
            trigger: { on: 'success', pass: 'result' },
          }),
        ],
        T0,
      );
      const running = await claimOne(backend, T0);
      expect(running.id).toBe(first!.job.id);
      const outcome = { kind: 'ok' as const, value: 'passed on' };
      await backend.complete({ id: running.id, attempt: 1, outcome, retryDelayMs: 0 }, T0);
      expect(await backend.get(running.id)).toMatchObject({ state: 'succeeded' });
      expect(await backend.get(next!.job.id)).toMatchObject({ state: 'queued' });
      expect(await backend.prune(T0 + 1)).toBe(1);
      expect(await backend.get(running.id)).toBeNull();
    });

    it('prunes a retried job by its latest finish only', async () => {
      const { backend } = await suite.open({
        limits: {
          retention: { maxAgeMs: 1000, maxCount: 0, failed: { maxAgeMs: 1000, maxCount: 0 } },
        },
      });
      const failed = await finishOne(backend, 'default', 'failed', T0);
      await backend.retry(failed.id, {}, T0 + 500);
      expect(await backend.prune(T0 + 5000)).toBe(0);
      const running = await claimOne(backend, T0 + 5000);
      await backend.complete(
        { id: running.id, attempt: 1, outcome: { kind: 'ok', value: 2 }, retryDelayMs: 0 },
        T0 + 6000,
      );
      expect(await backend.prune(T0 + 6500)).toBe(0);
      expect(await backend.prune(T0 + 7500)).toBe(1);
      expect(await backend.get(failed.id)).toBeNull();
    });
  });
}

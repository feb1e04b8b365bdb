/** Conformance: restarts and durability, categories' settings, the node's life, `change` events. */
import { describe, expect, it } from 'vitest';
import { transition, type Job, type JobState } from '@cadre/core';
import type { NodeReport } from '../backend.js';
import { claimOne, crash } from './conformance-jobs.js';
import { NODE, T0, pause, rejection, spec, type Conformance } from './conformance-support.js';

const REPORT: NodeReport = {
  running: 1,
  finished: { default: { succeeded: 3, failed: 1, cancelled: 0 } },
  throughput: { default: 0.5 },
};

export function describeLife(suite: Conformance): void {
  describe('restart', () => {
    it('queues again, as lost, what the node was running when it stopped', async () => {
      const first = await suite.open();
      const [a, b, c] = (
        await first.backend.submit([spec(), spec({ maxRetries: 0 }), spec({ category: 'c' })], T0)
      ).map((r) => r.job);
      const running = await first.backend.claim('default', 2, T0 + 1);
      const { backend, opened } = await suite.reopen(first.backend, { now: T0 + 5000 });
      expect(opened.requeued).toBe(2);
      const lost = await backend.get(a!.id);
      expect(lost).toEqual(transition(running[0]!, { type: 'lose' }, T0 + 5000));
      expect(lost).toMatchObject({ state: 'queued', attempts: 1, node: NODE.name });
      expect(lost!.lastError?.kind).toBe('lost');
      expect(await backend.get(b!.id)).toEqual(
        transition(running[1]!, { type: 'lose' }, T0 + 5000),
      );
      expect((await backend.get(b!.id))!.state).toBe('failed');
      expect(await backend.get(c!.id)).toEqual(c);
      expect((await claimOne(backend, T0 + 6000)).attempts).toBe(2);
    });

    it('keeps a claim that a listener makes the moment a job is queued after the change that queued it', async () => {
      // The engine's dispatcher claims as soon as it hears of a queued job. A
      // claim recorded before the promotion or hand-back that allowed it would
      // replay as a queued job, its attempt counted and never reported lost.
      const first = await suite.open();
      const b = first.backend;
      const [delayed, handedBack] = (await b.submit([spec({ runAtMs: T0 + 100 }), spec()], T0)).map(
        (r) => r.job,
      );
      const running = await claimOne(b, T0 + 1);
      expect(running.id).toBe(handedBack!.id);
      const claims: Promise<Job[]>[] = [];
      b.on('change', (job) => {
        if (job.state === 'queued') claims.push(b.claim(job.category, 1, T0 + 200));
      });
      await b.interrupt([{ id: running.id, attempt: 1 }], T0 + 150);
      await b.promoteDue(T0 + 150);
      const claimed = (await Promise.all(claims)).flat();
      expect(claimed.map((j) => j.id).sort()).toEqual([delayed!.id, handedBack!.id].sort());
      const { backend, opened } = await suite.reopen(b, { now: T0 + 5000 });
      expect(opened.requeued).toBe(2);
      for (const job of claimed) {
        expect(await backend.get(job.id)).toEqual(transition(job, { type: 'lose' }, T0 + 5000));
      }
    });

    it('keeps every job, key and setting across restarts', async () => {
      const first = await suite.open();
      const b = first.backend;
      const [ok, failed, cancelled] = (
        await b.submit(
          [spec({ key: 'k-ok' }), spec({ maxRetries: 0 }), spec({ input: { keep: 'me' } })],
          T0,
        )
      ).map((r) => r.job);
      await b.submit([spec({ runAtMs: T0 + 60_000 }), spec({ category: 'other' })], T0);
      const [r1, r2] = await b.claim('default', 2, T0 + 1);
      expect([r1!.id, r2!.id]).toEqual([ok!.id, failed!.id]);
      await b.complete(
        { id: ok!.id, attempt: 1, outcome: { kind: 'ok', value: [1] }, retryDelayMs: 0 },
        T0 + 2,
      );
      await b.complete({ id: failed!.id, attempt: 1, outcome: crash, retryDelayMs: 0 }, T0 + 3);
      await b.cancel(cancelled!.id, T0 + 4);
      await b.retry(cancelled!.id, { input: { replaced: true } }, T0 + 5);
      await b.patchCategory('default', { weight: 3, paused: true });
      await b.patchCategory('default', { paused: false, maxWorkers: null });
      await b.patchCategory('other', { minWorkers: 1 });
      const before = {
        jobs: (await b.list({ limit: 1000 })).jobs,
        counts: await b.counts(),
        categories: await b.categoryOverrides(),
      };
      expect(before.categories).toEqual({
        default: { weight: 3, paused: false, maxWorkers: null },
        other: { minWorkers: 1 },
      });

      let opening = await suite.reopen(b, { now: T0 + 10 });
      opening = await suite.reopen(opening.backend, { now: T0 + 20 });
      const after = opening.backend;
      expect(opening.opened).toEqual({ categories: before.categories, requeued: 0 });
      expect((await after.list({ limit: 1000 })).jobs).toEqual(before.jobs);
      expect(await after.counts()).toEqual(before.counts);
      expect(await after.categoryOverrides()).toEqual(before.categories);
      const [again] = await after.submit([spec({ key: 'k-ok' }), spec()], T0 + 30);
      expect(again).toEqual({ job: before.jobs.find((j) => j.id === ok!.id), created: false });
      const [newest] = (await after.list({ limit: 1 })).jobs;
      expect(before.jobs.every((j) => j.id < newest!.id)).toBe(true);
    });
  });

  describe('categories', () => {
    it('merges patches into the shared settings', async () => {
      const { backend } = await suite.open();
      expect(await backend.categoryOverrides()).toEqual({});
      await backend.patchCategory('mail', { weight: 2, paused: true });
      await backend.patchCategory('mail', { paused: false });
      await backend.patchCategory('img', { maxWorkers: null });
      expect(await backend.categoryOverrides()).toEqual({
        mail: { weight: 2, paused: false },
        img: { maxWorkers: null },
      });
    });

    it('keeps a concurrency, merged with the other settings, across restarts', async () => {
      const { backend } = await suite.open();
      await backend.patchCategory('mail', { weight: 2 });
      await backend.patchCategory('mail', { concurrency: 50 });
      await backend.patchCategory('img', { concurrency: 1 });
      const expected = { mail: { weight: 2, concurrency: 50 }, img: { concurrency: 1 } };
      expect(await backend.categoryOverrides()).toEqual(expected);
      const { backend: after, opened } = await suite.reopen(backend, { now: T0 + 10 });
      expect(opened.categories).toEqual(expected);
      expect(await after.categoryOverrides()).toEqual(expected);
      await after.patchCategory('mail', { concurrency: 8 });
      expect((await after.categoryOverrides()).mail).toEqual({ weight: 2, concurrency: 8 });
    });
  });

  describe('nodes', () => {
    it('shows the node live, as given, leading, with its report and its allocation', async () => {
      const { backend } = await suite.open();
      expect(await backend.heartbeat(REPORT, T0 + 1)).toBe('live');
      expect(await backend.lead(10_000, T0 + 1)).toEqual({ leader: true, expiresInMs: 10_000 });
      expect(await backend.lead(10_000, T0 + 2)).toEqual({ leader: true, expiresInMs: 10_000 });
      await backend.publishAllocation({ [NODE.name]: { default: 3, mail: 1 } }, T0 + 2);
      const nodes = await backend.nodes(T0 + 3);
      expect(nodes).toEqual([
        {
          ...NODE,
          state: 'live',
          leader: true,
          allocation: { default: 3, mail: 1 },
          report: REPORT,
          startedAt: expect.any(Number),
          heartbeatAt: expect.any(Number),
          silentMs: expect.any(Number),
        },
      ]);
      expect(nodes[0]!.heartbeatAt).toBeGreaterThanOrEqual(nodes[0]!.startedAt);
      // Judged by the backend's clock; the heartbeat was just now.
      expect(nodes[0]!.silentMs).toBeGreaterThanOrEqual(0);
      expect(nodes[0]!.silentMs).toBeLessThan(5_000);
    });

    it('reaps a silent node: dead, its running jobs queued again as lost; it claims nothing until it rejoins', async () => {
      const { backend } = await suite.open();
      await backend.submit([spec(), spec()], T0);
      const running = await claimOne(backend, T0 + 1);
      await backend.heartbeat(REPORT, T0 + 1);
      expect(await backend.reap(3_600_000, T0 + 2)).toEqual([]);
      await pause(20);
      expect(await backend.reap(0, T0 + 100)).toEqual([{ node: NODE.name, requeued: 1 }]);
      expect(await backend.get(running.id)).toEqual(
        transition(running, { type: 'lose' }, T0 + 100),
      );
      expect((await backend.nodes(T0 + 100)).map((n) => n.state)).toEqual(['dead']);
      const ok = { kind: 'ok', value: 1 } as const;
      expect(
        await backend.complete(
          { id: running.id, attempt: 1, outcome: ok, retryDelayMs: 0 },
          T0 + 101,
        ),
      ).toBeNull();
      expect(await backend.heartbeat(REPORT, T0 + 200)).toBe('dead');
      // Still dead until the engine has dropped its attempts and rejoins.
      expect(await backend.heartbeat(REPORT, T0 + 250)).toBe('dead');
      expect((await backend.nodes(T0 + 250)).map((n) => n.state)).toEqual(['dead']);
      expect(await backend.claim('default', 2, T0 + 260)).toEqual([]);
      await backend.rejoin(T0 + 270);
      expect(await backend.heartbeat(REPORT, T0 + 300)).toBe('live');
      expect((await backend.nodes(T0 + 300)).map((n) => n.state)).toEqual(['live']);
      expect((await backend.claim('default', 2, T0 + 400)).map((j) => j.attempts)).toEqual([1, 2]);
    });

    it('forgets a dead node only', async () => {
      const { backend } = await suite.open();
      expect(await rejection(backend.removeNode('nobody'))).toBe('ERR_NODE_NOT_FOUND');
      expect(await rejection(backend.removeNode(NODE.name))).toBe('ERR_NODE_LIVE');
      await pause(20);
      await backend.reap(0, T0 + 100);
      await backend.removeNode(NODE.name);
      expect(await backend.nodes(T0 + 100)).toEqual([]);
      expect(await backend.heartbeat(REPORT, T0 + 200)).toBe('dead');
      expect((await backend.nodes(T0 + 200)).map((n) => [n.name, n.state])).toEqual([
        [NODE.name, 'dead'],
      ]);
      await backend.rejoin(T0 + 300);
      expect((await backend.nodes(T0 + 300)).map((n) => [n.name, n.state])).toEqual([
        [NODE.name, 'live'],
      ]);
    });
  });

  describe('change events', () => {
    it('tells of every change made through the backend, with the state before', async () => {
      const { backend } = await suite.open();
      const events: [Job, JobState | null][] = [];
      backend.on('change', (job, previous) => events.push([job, previous]));
      const expectEvents = (expected: [Job, JobState | null][]) => {
        expect(events.splice(0)).toEqual(expected);
      };
      const [a, d, c] = (
        await backend.submit([spec(), spec({ runAtMs: T0 + 100 }), spec()], T0)
      ).map((r) => r.job);
      expectEvents([
        [a!, null],
        [d!, null],
        [c!, null],
      ]);
      const running = await claimOne(backend, T0 + 1);
      expectEvents([[running, 'queued']]);
      const interrupted = (await backend.get(running.id))!;
      await backend.interrupt([{ id: running.id, attempt: 1 }], T0 + 2);
      expectEvents([[transition(interrupted, { type: 'interrupt' }, T0 + 2), 'running']]);
      const cancelled = await backend.cancel(c!.id, T0 + 3);
      expectEvents([[cancelled, 'queued']]);
      const retried = await backend.retry(c!.id, {}, T0 + 4);
      expectEvents([[retried, 'cancelled']]);
      await backend.promoteDue(T0 + 100);
      expectEvents([[transition(d!, { type: 'promote' }, T0 + 100), 'delayed']]);
      const again = await claimOne(backend, T0 + 101);
      expectEvents([[again, 'queued']]);
      const done = await backend.complete(
        { id: again.id, attempt: 1, outcome: { kind: 'ok', value: null }, retryDelayMs: 0 },
        T0 + 102,
      );
      expectEvents([[done!, 'running']]);
      const lost = await claimOne(backend, T0 + 103);
      events.length = 0;
      await pause(20);
      await backend.reap(0, T0 + 200);
      expectEvents([[transition(lost, { type: 'lose' }, T0 + 200), 'running']]);
    });
  });
}

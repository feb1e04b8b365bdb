/** Conformance: the start order by priority, and a retry's lowered priority. */
import { describe, expect, it } from 'vitest';
import { transition, type AttemptOutcome } from '@cadre/core';
import { T0, spec, type Conformance } from './conformance-support.js';

const failure: AttemptOutcome = { kind: 'error', message: 'flaky', retryable: true };

export function describePriorities(suite: Conformance): void {
  describe('priorities', () => {
    it('claims the highest priority first, FIFO among equals', async () => {
      const { backend } = await suite.open();
      const priorities = [0, 5, -3, 5, 0, 100, -100, 1];
      const jobs = (
        await backend.submit(
          priorities.map((priority, i) => spec({ priority, input: i })),
          T0,
        )
      ).map((r) => r.job);
      expect(jobs.map((j) => j.priority)).toEqual(priorities);
      const first = await backend.claim('default', 3, T0 + 1);
      const rest = await backend.claim('default', 10, T0 + 2);
      expect([...first, ...rest].map((j) => j.input)).toEqual([5, 1, 3, 7, 0, 4, 2, 6]);
    });

    it('reads a job submitted without a priority as priority 0', async () => {
      const { backend } = await suite.open();
      const [result] = await backend.submit([spec()], T0);
      expect(result!.job.priority).toBe(0);
      expect((await backend.get(result!.job.id))!.priority).toBe(0);
    });

    it('lowers the priority of a job retried after a retryable failure, behind fresh work', async () => {
      const { backend } = await suite.open();
      const [flaky] = await backend.submit([spec({ priority: 2, input: 'flaky' })], T0);
      const [running] = await backend.claim('default', 1, T0 + 1);
      const done = { id: running!.id, attempt: 1, outcome: failure, retryDelayMs: 10 };
      const retrying = await backend.complete(done, T0 + 2);
      expect(retrying).toEqual(
        transition(running!, { type: 'settle', outcome: failure, retryDelayMs: 10 }, T0 + 2),
      );
      expect(retrying).toMatchObject({ state: 'retrying', priority: 1 });
      await backend.submit([spec({ priority: 1, input: 'fresh' })], T0 + 3);
      await backend.promoteDue(T0 + 20);
      const order = await backend.claim('default', 2, T0 + 21);
      // Equal priorities now: the job queued first (the fresh one) starts first.
      expect(order.map((j) => j.input)).toEqual(['fresh', 'flaky']);
      expect((await backend.get(flaky!.job.id))!.priority).toBe(1);
    });

    it('keeps the priority on a retry when the completion says not to lower it', async () => {
      const { backend } = await suite.open();
      await backend.submit([spec({ priority: 2 })], T0);
      const [running] = await backend.claim('default', 1, T0 + 1);
      const retrying = await backend.complete(
        { id: running!.id, attempt: 1, outcome: failure, retryDelayMs: 10, lowerPriority: false },
        T0 + 2,
      );
      expect(retrying).toMatchObject({ state: 'retrying', priority: 2 });
      expect((await backend.get(running!.id))!.priority).toBe(2);
    });

    it('keeps priorities and their order across a restart', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        [0, 3, -1, 3].map((priority, i) => spec({ priority, input: i })),
        T0,
      );
      const { backend: again } = await suite.reopen(backend, { now: T0 + 10 });
      const claimed = await again.claim('default', 4, T0 + 11);
      expect(claimed.map((j) => [j.input, j.priority])).toEqual([
        [1, 3],
        [3, 3],
        [0, 0],
        [2, -1],
      ]);
    });
  });
}

/**
 * Conformance: claims under a rate limit (claimLimited). The window's times
 * are the fake ones handed to the verbs.
 */
import { describe, expect, it } from 'vitest';
import { T0, spec, type Conformance } from './conformance-support.js';

const limit = { max: 3, perMs: 1000 };

export function describeRateLimits(suite: Conformance): void {
  describe('claimLimited', () => {
    it('starts at most max per window; the rest stay queued, no attempt spent', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        Array.from({ length: 5 }, (_, i) => spec({ input: i, priority: i === 4 ? 9 : 0 })),
        T0,
      );
      const first = await backend.claimLimited('default', 10, limit, T0 + 100);
      // By priority, as claim: the job at 9 first.
      expect(first.jobs.map((j) => j.input)).toEqual([4, 0, 1]);
      expect(first.jobs.every((j) => j.state === 'running' && j.attempts === 1)).toBe(true);
      expect(first.heldUntil).toBe(T0 + 1100);

      const held = await backend.claimLimited('default', 10, limit, T0 + 600);
      expect(held).toEqual({ jobs: [], heldUntil: T0 + 1100 });
      const waiting = await backend.list({ state: 'queued' });
      expect(waiting.jobs.map((j) => [j.input, j.attempts])).toEqual([
        [3, 0],
        [2, 0],
      ]);

      // The window slides: at T0 + 1100 the three starts of T0 + 100 have left it.
      const later = await backend.claimLimited('default', 10, limit, T0 + 1100);
      expect(later.jobs.map((j) => j.input)).toEqual([2, 3]);
      expect(later.heldUntil).toBeNull();
      expect((await backend.counts()).default!.queued).toBe(0);
    });

    it('takes no more than max asks for, and says when a full window frees a start', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        Array.from({ length: 6 }, (_, i) => spec({ input: i })),
        T0,
      );
      const one = await backend.claimLimited('default', 1, limit, T0);
      expect(one.jobs).toHaveLength(1);
      expect(one.heldUntil).toBeNull();
      const two = await backend.claimLimited('default', 2, limit, T0 + 400);
      expect(two.jobs).toHaveLength(2);
      // Full: the start of T0 leaves first.
      expect(two.heldUntil).toBe(T0 + 1000);
      const next = await backend.claimLimited('default', 5, limit, T0 + 1000);
      expect(next.jobs).toHaveLength(1);
      expect(next.heldUntil).toBe(T0 + 1400);
    });

    it('counts each category apart, and a tighter limit set meanwhile at once', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        Array.from({ length: 4 }, (_, i) => spec({ category: i % 2 ? 'mail' : 'default' })),
        T0,
      );
      expect((await backend.claimLimited('default', 5, limit, T0)).jobs).toHaveLength(2);
      expect((await backend.claimLimited('mail', 5, limit, T0)).jobs).toHaveLength(2);
      await backend.submit([spec(), spec()], T0 + 1);
      const tighter = await backend.claimLimited('default', 5, { max: 2, perMs: 1000 }, T0 + 2);
      expect(tighter).toEqual({ jobs: [], heldUntil: T0 + 1000 });
    });

    it('leaves the unlimited claim alone', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        Array.from({ length: 6 }, () => spec()),
        T0,
      );
      await backend.claimLimited('default', 3, limit, T0);
      expect(await backend.claim('default', 10, T0 + 1)).toHaveLength(3);
    });
  });
}

/**
 * Conformance for backends that several nodes open on the same data at once
 * (PostgreSQL): the rate limit is one budget for all of them.
 */
export function describeSharedRateLimits(suite: Conformance): void {
  describe('claimLimited, two nodes on the same data', () => {
    it('shares one budget: each node counts the starts of the other, even claiming at once', async () => {
      const { backend: a } = await suite.open({ node: { name: 'node-a' } });
      const { backend: b } = await suite.open({ node: { name: 'node-b' } });
      await a.submit(
        Array.from({ length: 40 }, (_, i) => spec({ input: i })),
        T0,
      );
      const wide = { max: 7, perMs: 1000 };
      expect((await a.claimLimited('default', 3, wide, T0 + 10)).jobs).toHaveLength(3);
      expect((await b.claimLimited('default', 3, wide, T0 + 11)).jobs).toHaveLength(3);
      const last = await a.claimLimited('default', 3, wide, T0 + 12);
      expect(last.jobs).toHaveLength(1);
      expect(last.heldUntil).toBe(T0 + 1010);
      expect(await b.claimLimited('default', 3, wide, T0 + 500)).toEqual({
        jobs: [],
        heldUntil: T0 + 1010,
      });

      // A fresh window, and eight claims of both nodes at once: seven start in all.
      const rounds = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? a : b).claimLimited('default', 3, wide, T0 + 2000 + i),
        ),
      );
      const started = rounds.flatMap((r) => r.jobs);
      expect(started).toHaveLength(7);
      expect(new Set(started.map((j) => j.id)).size).toBe(7);
      for (const r of rounds) {
        if (r.heldUntil !== null) expect(r.heldUntil).toBeGreaterThanOrEqual(T0 + 3000);
      }
      expect(rounds.some((r) => r.heldUntil !== null)).toBe(true);
    });
  });
}

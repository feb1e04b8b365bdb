/** Conformance: the verbs that move jobs (submit, claim, complete, interrupt, cancel, retry). */
import { describe, expect, it } from 'vitest';
import { createJob, transition, type AttemptOutcome, type Job, type JobState } from '@cadre/core';
import type { Backend } from '../backend.js';
import { NODE, T0, rejection, spec, type Conformance } from './conformance-support.js';

/** Submits one job at `now` and returns its record. */
export async function submitOne(
  backend: Backend,
  patch: Parameters<typeof spec>[0] = {},
  now = T0,
): Promise<Job> {
  const [result] = await backend.submit([spec(patch)], now);
  return result!.job;
}

/** Claims exactly one job of `category` at `now`. */
export async function claimOne(backend: Backend, now: number, category = 'default'): Promise<Job> {
  const jobs = await backend.claim(category, 1, now);
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

export function describeJobVerbs(suite: Conformance): void {
  describe('submit', () => {
    it('creates the jobs in order, as createJob builds them, with ids that sort by creation', async () => {
      const { backend } = await suite.open();
      const specs = [spec({ input: 1 }), spec({ input: 2, category: 'mail' }), spec({ input: 3 })];
      const results = await backend.submit(specs, T0);
      expect(results.map((r) => r.created)).toEqual([true, true, true]);
      results.forEach((r, i) =>
        expect(r.job).toEqual(createJob({ ...specs[i]!, parents: [], id: r.job.id }, T0)),
      );
      const ids = results.map((r) => r.job.id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
      const [later] = await backend.submit([spec()], T0 + 1);
      expect(later!.job.id > ids[2]!).toBe(true);
      for (const r of results) expect(await backend.get(r.job.id)).toEqual(r.job);
    });

    it('keeps inputs exactly: nested values, unicode, key order, null', async () => {
      const { backend } = await suite.open();
      const inputs = [
        { z: 1, a: { y: [1, 2.5, -0.125, 1e21], b: 'ünï ✓ 😀' }, m: null, t: true },
        null,
        'just a string',
        [3, 2, 1],
      ];
      const results = await backend.submit(
        inputs.map((input) => spec({ input })),
        T0,
      );
      for (const [i, r] of results.entries()) {
        const got = await backend.get(r.job.id);
        expect(JSON.stringify(got!.input)).toBe(JSON.stringify(inputs[i]));
      }
    });

    it('returns the job that holds a key instead of creating another', async () => {
      const { backend } = await suite.open();
      const [first] = await backend.submit([spec({ key: 'k1' })], T0);
      const results = await backend.submit(
        [spec({ key: 'k1', input: 'other' }), spec({ key: 'k2' }), spec({ key: 'k2' }), spec()],
        T0 + 10,
      );
      expect(results.map((r) => r.created)).toEqual([false, true, false, true]);
      expect(results[0]!.job).toEqual(first!.job);
      expect(results[2]!.job).toEqual(results[1]!.job);
      expect(results[1]!.job.key).toBe('k2');
      const page = await backend.list({});
      expect(page.jobs).toHaveLength(3);
    });

    it('delays a job whose runAtMs is after now, and queues one whose runAtMs has come', async () => {
      const { backend } = await suite.open();
      const [later, past] = await backend.submit(
        [spec({ runAtMs: T0 + 5000 }), spec({ runAtMs: T0 - 1 })],
        T0,
      );
      expect(later!.job.state).toBe('delayed');
      expect(later!.job.runAt).toBe(new Date(T0 + 5000).toISOString());
      expect(past!.job.state).toBe('queued');
      expect(past!.job.runAt).toBeNull();
      expect(await backend.claim('default', 10, T0)).toEqual([
        transition(past!.job, { type: 'start', node: NODE.name }, T0),
      ]);
    });

    it("refuses a batch that passes a category's limit, all or none", async () => {
      const { backend } = await suite.open({ limits: { maxQueued: { capped: 2, free: null } } });
      expect(
        await rejection(
          backend.submit(
            [
              spec({ category: 'capped' }),
              spec({ category: 'capped' }),
              spec({ category: 'capped' }),
            ],
            T0,
          ),
        ),
      ).toBe('ERR_QUEUE_FULL');
      expect(await backend.counts()).toEqual({});
      await backend.submit(
        [spec({ category: 'capped' }), spec({ category: 'capped', runAtMs: T0 + 1000 })],
        T0,
      );
      expect(
        await rejection(
          backend.submit([spec({ category: 'free' }), spec({ category: 'capped' })], T0),
        ),
      ).toBe('ERR_QUEUE_FULL');
      expect(await backend.list({ category: 'free' })).toEqual({ jobs: [], nextCursor: null });
      // A running job no longer waits: it leaves room.
      await claimOne(backend, T0, 'capped');
      await backend.submit([spec({ category: 'capped' })], T0);
      await backend.submit(
        Array.from({ length: 20 }, () => spec({ category: 'free' })),
        T0,
      );
    });

    it('refuses a batch that passes the total limit; delayed and retrying jobs count', async () => {
      const { backend } = await suite.open({ limits: { maxQueuedTotal: 3 } });
      await backend.submit([spec({ runAtMs: T0 + 1000 }), spec({ category: 'other' })], T0);
      expect(await rejection(backend.submit([spec(), spec()], T0))).toBe('ERR_QUEUE_FULL');
      const [third] = await backend.submit([spec({ maxRetries: 1 })], T0);
      expect(await rejection(backend.submit([spec()], T0))).toBe('ERR_QUEUE_FULL');
      // Retrying still waits: no room made.
      const running = await claimOne(backend, T0 + 1);
      expect(running.id).toBe(third!.job.id);
      await backend.complete(
        { id: running.id, attempt: 1, outcome: crash, retryDelayMs: 1000 },
        T0 + 2,
      );
      expect(await rejection(backend.submit([spec()], T0 + 3))).toBe('ERR_QUEUE_FULL');
    });
  });

  describe('claim', () => {
    it('starts the oldest queued jobs of the category first, as the start transition does', async () => {
      const { backend } = await suite.open();
      const jobs = (
        await backend.submit(
          [spec({ input: 'a1' }), spec({ input: 'b1', category: 'b' }), spec({ input: 'a2' })],
          T0,
        )
      ).map((r) => r.job);
      const [a3] = await backend.submit([spec({ input: 'a3' })], T0 + 1);
      const claimed = await backend.claim('default', 10, T0 + 100);
      expect(claimed).toEqual(
        [jobs[0]!, jobs[2]!, a3!.job].map((j) =>
          transition(j, { type: 'start', node: NODE.name }, T0 + 100),
        ),
      );
      expect(claimed[0]!.attempts).toBe(1);
      expect(claimed[0]!.node).toBe(NODE.name);
      expect(await backend.claim('nobody', 10, T0 + 100)).toEqual([]);
      expect((await backend.claim('b', 10, T0 + 100)).map((j) => j.input)).toEqual(['b1']);
      expect(await backend.claim('default', 10, T0 + 100)).toEqual([]);
      expect(await backend.get(jobs[0]!.id)).toEqual(claimed[0]);
    });

    it('claims at most max', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        [1, 2, 3].map((input) => spec({ input })),
        T0,
      );
      expect((await backend.claim('default', 2, T0)).map((j) => j.input)).toEqual([1, 2]);
      expect((await backend.claim('default', 2, T0)).map((j) => j.input)).toEqual([3]);
      expect(await backend.claim('default', 2, T0)).toEqual([]);
    });

    it('puts a job at the back of the queue when it enters it again (interrupt, promotion, retry)', async () => {
      const { backend } = await suite.open();
      const [d] = await backend.submit([spec({ input: 'd', runAtMs: T0 + 50 })], T0);
      await backend.submit([spec({ input: 'q1' }), spec({ input: 'q2' })], T0);
      const q1 = await claimOne(backend, T0 + 10);
      await backend.interrupt([{ id: q1.id, attempt: 1 }], T0 + 20);
      await backend.promoteDue(T0 + 50);
      expect((await backend.claim('default', 10, T0 + 60)).map((j) => j.input)).toEqual([
        'q2',
        'q1',
        'd',
      ]);
      expect(d!.job.state).toBe('delayed');
    });
  });

  describe('complete', () => {
    const cases: { name: string; outcome: AttemptOutcome; maxRetries: number; state: JobState }[] =
      [
        {
          name: 'ok',
          outcome: { kind: 'ok', value: { sum: 3 } },
          maxRetries: 2,
          state: 'succeeded',
        },
        {
          name: 'ok with a null value',
          outcome: { kind: 'ok', value: null },
          maxRetries: 2,
          state: 'succeeded',
        },
        {
          name: 'retryable error',
          outcome: { kind: 'error', message: 'boom', retryable: true },
          maxRetries: 2,
          state: 'retrying',
        },
        {
          name: 'error with retryAfterMs',
          outcome: { kind: 'error', message: 'later', retryable: true, retryAfterMs: 60_000 },
          maxRetries: 2,
          state: 'retrying',
        },
        {
          name: 'permanent error',
          outcome: { kind: 'error', message: 'no', retryable: false },
          maxRetries: 2,
          state: 'failed',
        },
        {
          name: 'timeout',
          outcome: { kind: 'timeout', message: 'too slow' },
          maxRetries: 2,
          state: 'retrying',
        },
        {
          name: 'crash without retries left',
          outcome: { kind: 'crash', message: 'gone' },
          maxRetries: 0,
          state: 'failed',
        },
        { name: 'cancelled', outcome: { kind: 'cancelled' }, maxRetries: 2, state: 'cancelled' },
      ];
    for (const c of cases) {
      it(`records ${c.name} as the settle transition does (${c.state})`, async () => {
        const { backend } = await suite.open();
        await submitOne(backend, { maxRetries: c.maxRetries });
        const running = await claimOne(backend, T0 + 1000);
        const done = await backend.complete(
          { id: running.id, attempt: 1, outcome: c.outcome, retryDelayMs: 5000 },
          T0 + 1750,
        );
        const expected = transition(
          running,
          { type: 'settle', outcome: c.outcome, retryDelayMs: 5000 },
          T0 + 1750,
        );
        expect(expected.state).toBe(c.state);
        expect(done).toEqual(expected);
        expect(await backend.get(running.id)).toEqual(expected);
      });
    }

    it('refuses an attempt the job no longer runs: wrong attempt, twice, cancelled, never claimed', async () => {
      const { backend } = await suite.open();
      const [a, b, c] = (await backend.submit([spec(), spec(), spec()], T0)).map((r) => r.job);
      const running = await backend.claim('default', 2, T0 + 1);
      const ok = { kind: 'ok', value: 1 } as const;
      expect(
        await backend.complete({ id: a!.id, attempt: 2, outcome: ok, retryDelayMs: 0 }, T0 + 2),
      ).toBeNull();
      expect(await backend.get(a!.id)).toEqual(running[0]);
      expect(
        await backend.complete({ id: a!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 2),
      ).not.toBeNull();
      expect(
        await backend.complete({ id: a!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 3),
      ).toBeNull();
      const cancelled = await backend.cancel(b!.id, T0 + 4);
      expect(
        await backend.complete({ id: b!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 5),
      ).toBeNull();
      expect(await backend.get(b!.id)).toEqual(cancelled);
      expect(
        await backend.complete({ id: c!.id, attempt: 0, outcome: ok, retryDelayMs: 0 }, T0 + 5),
      ).toBeNull();
      expect(
        await backend.complete({ id: 'nobody', attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 5),
      ).toBeNull();
      expect((await backend.get(c!.id))!.state).toBe('queued');
    });

    it('records many completions made at once, each with its own outcome', async () => {
      const { backend } = await suite.open();
      await backend.submit(
        Array.from({ length: 60 }, (_, i) => spec({ input: i })),
        T0,
      );
      const running = await backend.claim('default', 60, T0 + 1);
      const done = await Promise.all(
        running.map((job, i) =>
          backend.complete(
            {
              id: job.id,
              attempt: 1,
              outcome: i % 2 === 0 ? { kind: 'ok', value: i } : crash,
              retryDelayMs: i,
            },
            T0 + 100 + i,
          ),
        ),
      );
      done.forEach((job, i) => {
        const outcome = i % 2 === 0 ? ({ kind: 'ok', value: i } as const) : crash;
        expect(job).toEqual(
          transition(running[i]!, { type: 'settle', outcome, retryDelayMs: i }, T0 + 100 + i),
        );
      });
      const counts = await backend.counts();
      expect(counts.default!.succeeded).toBe(30);
      expect(counts.default!.retrying).toBe(30);
    });
  });

  describe('interrupt', () => {
    it('queues the attempt again without counting it; fenced like complete', async () => {
      const { backend } = await suite.open();
      await backend.submit([spec(), spec()], T0);
      const [a, b] = await backend.claim('default', 2, T0 + 1);
      await backend.interrupt(
        [
          { id: a!.id, attempt: 1 },
          { id: b!.id, attempt: 7 },
        ],
        T0 + 2,
      );
      const back = await backend.get(a!.id);
      expect(back).toEqual(transition(a!, { type: 'interrupt' }, T0 + 2));
      expect(back!.state).toBe('queued');
      expect(back!.attempts).toBe(0);
      expect(back!.lastError?.kind).toBe('interrupted');
      expect(await backend.get(b!.id)).toEqual(b);
      expect((await claimOne(backend, T0 + 3)).attempts).toBe(1);
    });
  });

  describe('cancel', () => {
    it('cancels a waiting or running job, and tells of the running one', async () => {
      const { backend } = await suite.open();
      const [queued, delayed, running] = (
        await backend.submit([spec(), spec({ runAtMs: T0 + 1000 }), spec({ category: 'run' })], T0)
      ).map((r) => r.job);
      const started = await claimOne(backend, T0 + 1, 'run');
      const cancelled: string[] = [];
      backend.on('cancelled', (id) => cancelled.push(id));
      for (const job of [queued!, delayed!]) {
        const got = await backend.cancel(job.id, T0 + 2);
        expect(got).toEqual(transition(job, { type: 'cancel' }, T0 + 2));
        expect(await backend.get(job.id)).toEqual(got);
      }
      expect(await backend.cancel(running!.id, T0 + 3)).toEqual(
        transition(started, { type: 'cancel' }, T0 + 3),
      );
      // A running job's node must abort it (whether a waiting job's cancel is told too is free).
      expect(cancelled).toContain(running!.id);
    });

    it('refuses a finished job and an unknown one', async () => {
      const { backend } = await suite.open();
      const job = await submitOne(backend);
      await backend.cancel(job.id, T0 + 1);
      expect(await rejection(backend.cancel(job.id, T0 + 2))).toBe('ERR_INVALID_TRANSITION');
      expect(await rejection(backend.cancel('nobody', T0 + 2))).toBe('ERR_JOB_NOT_FOUND');
    });
  });

  describe('retry', () => {
    it('queues a failed or cancelled job again, attempts reset, the input replaced if asked', async () => {
      const { backend } = await suite.open();
      const [f, c] = (await backend.submit([spec({ maxRetries: 0 }), spec()], T0)).map(
        (r) => r.job,
      );
      const running = await claimOne(backend, T0 + 1);
      const failed = await backend.complete(
        { id: running.id, attempt: 1, outcome: crash, retryDelayMs: 0 },
        T0 + 2,
      );
      expect(failed!.state).toBe('failed');
      const again = await backend.retry(f!.id, {}, T0 + 3);
      expect(again).toEqual(transition(failed!, { type: 'retry' }, T0 + 3));
      const cancelled = await backend.cancel(c!.id, T0 + 4);
      const replaced = await backend.retry(c!.id, { input: null }, T0 + 5);
      expect(replaced).toEqual(transition(cancelled, { type: 'retry', input: null }, T0 + 5));
      expect(await backend.get(c!.id)).toEqual(replaced);
      expect((await backend.get(c!.id))!.input).toBeNull();
      const [first, second] = await backend.claim('default', 2, T0 + 6);
      expect([first, second]).toEqual(
        [again, replaced].map((j) => transition(j, { type: 'start', node: NODE.name }, T0 + 6)),
      );
      expect(first!.attempts).toBe(1);
    });

    it('refuses a job that is not failed or cancelled, and an unknown one', async () => {
      const { backend } = await suite.open();
      const job = await submitOne(backend);
      expect(await rejection(backend.retry(job.id, {}, T0))).toBe('ERR_INVALID_TRANSITION');
      expect(await rejection(backend.retry('nobody', {}, T0))).toBe('ERR_JOB_NOT_FOUND');
    });
  });
}

export const crash: AttemptOutcome = { kind: 'crash', message: 'the thread died' };

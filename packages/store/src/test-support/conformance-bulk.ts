/** Conformance: search in `list` (task, q) and the bulk verb (issue 14). */
import { describe, expect, it } from 'vitest';
import { transition, type AttemptOutcome, type Job, type JobTrigger } from '@cadre/core';
import type { Backend, ListQuery } from '../backend.js';
import { claimOne, submitOne } from './conformance-jobs.js';
import { T0, spec, type Conformance } from './conformance-support.js';

const failure = (message: string): AttemptOutcome => ({ kind: 'error', message, retryable: false });

/** Every id `query` lists, following the cursors, newest first. */
async function listAll(backend: Backend, query: ListQuery): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await backend.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.jobs.map((j) => j.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
}

/** Submits a job with `maxRetries: 0`, claims it and fails it with `message`. */
async function failOne(backend: Backend, message: string, now: number, category = 'default') {
  const job = await submitOne(
    backend,
    { category, maxRetries: 0, input: { failing: message } },
    now,
  );
  const running = await claimOne(backend, now, category);
  expect(running.id).toBe(job.id);
  const done = await backend.complete(
    { id: job.id, attempt: 1, outcome: failure(message), retryDelayMs: 0 },
    now,
  );
  expect(done!.state).toBe('failed');
  return done!;
}

export function describeBulk(suite: Conformance): void {
  describe('search', () => {
    it('finds text in the id, key, task, input, result and error message, in any case', async () => {
      const { backend } = await suite.open();
      const keyed = await submitOne(backend, { key: 'Order-4711', input: 1 });
      const tasked = await submitOne(backend, { task: 'resize-Image', input: 2 });
      const inputed = await submitOne(backend, { input: { note: 'Zebra crossing' } });
      const failed = await failOne(backend, 'Disk Quota exceeded', T0 + 1, 'f');
      const other = await submitOne(backend, { category: 'solo', input: { kind: 'plain' } });
      const running = await claimOne(backend, T0 + 2, 'solo');
      const succeeded = await backend.complete(
        {
          id: running.id,
          attempt: 1,
          outcome: { kind: 'ok', value: { Out: 'Ultramarine' } },
          retryDelayMs: 0,
        },
        T0 + 3,
      );
      const find = (q: string, more: ListQuery = {}) => listAll(backend, { q, ...more });
      expect(await find('order-47')).toEqual([keyed.id]);
      expect(await find('RESIZE-image')).toEqual([tasked.id]);
      expect(await find('zebra CROSS')).toEqual([inputed.id]);
      expect(await find('quota')).toEqual([failed.id]);
      // A message PostgreSQL could not hold as text (a NUL) is searched as JSON text.
      const nul = await failOne(backend, 'Odd \u0000 byte', T0 + 4, 'g');
      expect(await find('odd \\u0000')).toEqual([nul.id]);
      expect(await find('ultramarine')).toEqual([succeeded!.id]);
      expect(await find(other.id.toUpperCase())).toEqual([other.id]);
      expect(await find('no such text anywhere')).toEqual([]);
      // JSON text: a key and its value, as the input's JSON holds them.
      expect(await find('"note":"zebra')).toEqual([inputed.id]);
      // LIKE's wildcards are plain characters.
      expect(await find('%')).toEqual([]);
      expect(await find('zebra_crossing')).toEqual([]);
      // An empty text is no filter.
      expect(await find('')).toHaveLength(6);
    });

    it('combines text with category, state, task and flow, and pages newest first', async () => {
      const { backend } = await suite.open();
      const needle = (i: number) => ({ text: i % 2 === 0 ? 'needle' : 'hay', i });
      const made: Job[] = [];
      for (let i = 0; i < 12; i++) {
        made.push(
          await submitOne(
            backend,
            { input: needle(i), category: i < 6 ? 'a' : 'b', task: i % 3 === 0 ? 'three' : 'echo' },
            T0 + i,
          ),
        );
      }
      const ids = (pred: (j: Job, i: number) => boolean) =>
        made
          .filter(pred)
          .map((j) => j.id)
          .reverse();
      const even = (_: Job, i: number) => i % 2 === 0;
      expect(await listAll(backend, { q: 'needle', limit: 2 })).toEqual(ids(even));
      expect(await listAll(backend, { q: 'needle', category: 'b', limit: 1 })).toEqual(
        ids((j, i) => even(j, i) && j.category === 'b'),
      );
      expect(await listAll(backend, { q: 'needle', task: 'three' })).toEqual(
        ids((j, i) => even(j, i) && j.task === 'three'),
      );
      expect(await listAll(backend, { task: 'three', state: 'queued' })).toEqual(
        ids((j) => j.task === 'three'),
      );
      expect(await listAll(backend, { q: 'needle', state: 'failed' })).toEqual([]);
      const flow = (
        await backend.submit(
          [
            spec({ input: 'needle one', flowRole: 'step' }),
            spec({
              input: ['hay'],
              flowRole: 'step',
              parents: [0],
              trigger: { on: 'success', pass: 'result' } as JobTrigger,
            }),
          ],
          T0 + 20,
        )
      ).map((r) => r.job);
      expect(await listAll(backend, { flowId: flow[0]!.flowId!, q: 'NEEDLE' })).toEqual([
        flow[0]!.id,
      ]);
      expect(await listAll(backend, { flowId: flow[0]!.flowId!, task: 'nope' })).toEqual([]);
    });
  });

  describe('bulk', () => {
    it('retries only the failed and cancelled jobs it is given, and the change is durable', async () => {
      const { backend } = await suite.open();
      const failed = await failOne(backend, 'boom', T0 + 1);
      const queued = await submitOne(backend, {}, T0 + 2);
      const cancelled = await backend.cancel((await submitOne(backend, {}, T0 + 3)).id, T0 + 4);
      const done = await backend.bulk(
        [queued.id, failed.id, 'nobody', cancelled.id, failed.id],
        'retry',
        T0 + 10,
      );
      expect(done.changed).toEqual([failed.id, cancelled.id]);
      expect(await backend.get(failed.id)).toEqual(transition(failed, { type: 'retry' }, T0 + 10));
      expect(await backend.get(cancelled.id)).toEqual(
        transition(cancelled, { type: 'retry' }, T0 + 10),
      );
      expect(await backend.get(queued.id)).toEqual(queued);
      const { backend: again } = await suite.reopen(backend);
      expect((await again.get(failed.id))!.state).toBe('queued');
      expect((await again.get(cancelled.id))!.state).toBe('queued');
      expect(await again.claim('default', 10, T0 + 11)).toHaveLength(3);
    });

    it('cancels unfinished jobs, tells of each running one, and drops the callbacks waiting on them', async () => {
      const { backend } = await suite.open();
      const [parent, callback] = (
        await backend.submit(
          [
            spec({ input: 'p' }),
            spec({
              input: [],
              category: 'cb',
              parents: [0],
              trigger: { on: 'success', pass: 'result' },
            }),
          ],
          T0,
        )
      ).map((r) => r.job) as [Job, Job];
      const delayed = await submitOne(backend, { runAtMs: T0 + 60_000 }, T0 + 1);
      const runs = await submitOne(backend, { category: 'run' }, T0 + 2);
      const running = await claimOne(backend, T0 + 3, 'run');
      const failed = await failOne(backend, 'boom', T0 + 4, 'f');
      const told: string[] = [];
      backend.on('cancelled', (id) => told.push(id));
      const done = await backend.bulk(
        [parent.id, delayed.id, runs.id, failed.id],
        'cancel',
        T0 + 10,
      );
      expect(done.changed).toEqual([parent.id, delayed.id, runs.id]);
      expect(told).toContain(runs.id);
      expect(await backend.get(runs.id)).toEqual(transition(running, { type: 'cancel' }, T0 + 10));
      expect((await backend.get(delayed.id))!.state).toBe('cancelled');
      expect((await backend.get(failed.id))!.state).toBe('failed');
      expect((await backend.get(callback.id))!).toMatchObject({
        state: 'cancelled',
        lastError: { kind: 'upstream' },
      });
      // The running attempt's outcome comes too late: fenced.
      expect(
        await backend.complete(
          { id: runs.id, attempt: 1, outcome: { kind: 'ok', value: 1 }, retryDelayMs: 0 },
          T0 + 11,
        ),
      ).toBeNull();
      const { backend: again } = await suite.reopen(backend);
      expect((await again.get(parent.id))!.state).toBe('cancelled');
      expect((await again.get(callback.id))!.state).toBe('cancelled');
    });

    it('deletes finished jobs only, but not a member a waiting chord needs, and forgets them everywhere', async () => {
      const { backend } = await suite.open();
      const members = (
        await backend.submit(
          [
            spec({ input: 0, maxRetries: 0, flowRole: 'member', key: null }),
            spec({ input: 1, maxRetries: 0, flowRole: 'member' }),
            spec({
              input: [],
              category: 'cb',
              flowRole: 'chord',
              parents: [0, 1],
              trigger: { on: 'success', pass: 'results' },
            }),
          ],
          T0,
        )
      ).map((r) => r.job);
      const first = await claimOne(backend, T0 + 1);
      await backend.complete(
        { id: first.id, attempt: 1, outcome: { kind: 'ok', value: 'm0' }, retryDelayMs: 0 },
        T0 + 2,
      );
      const keyed = await submitOne(backend, { key: 'gone-soon', category: 'k' }, T0 + 3);
      await claimOne(backend, T0 + 3, 'k');
      await backend.complete(
        { id: keyed.id, attempt: 1, outcome: { kind: 'ok', value: 'x' }, retryDelayMs: 0 },
        T0 + 4,
      );
      const failed = await failOne(backend, 'boom', T0 + 5, 'f');
      const queued = await submitOne(backend, { category: 'q' }, T0 + 6);
      const before = await backend.counts();
      const done = await backend.bulk(
        [members[0]!.id, keyed.id, failed.id, queued.id],
        'delete',
        T0 + 10,
      );
      // The finished member stays: the chord waits on it.
      expect(done.changed).toEqual([keyed.id, failed.id]);
      expect(await backend.get(keyed.id)).toBeNull();
      expect(await backend.get(failed.id)).toBeNull();
      expect((await backend.get(members[0]!.id))!.state).toBe('succeeded');
      expect((await backend.get(queued.id))!.state).toBe('queued');
      expect(await listAll(backend, { category: 'k' })).toEqual([]);
      expect(await listAll(backend, { key: 'gone-soon' })).toEqual([]);
      const after = await backend.counts();
      expect(after.k?.succeeded ?? 0).toBe(before.k!.succeeded - 1);
      expect(after.f?.failed ?? 0).toBe(0);
      // Its key is free again.
      const [reused] = await backend.submit([spec({ key: 'gone-soon', category: 'k' })], T0 + 11);
      expect(reused!.created).toBe(true);
      const { backend: again } = await suite.reopen(backend);
      expect(await again.get(keyed.id)).toBeNull();
      expect(await again.get(failed.id)).toBeNull();
      expect((await again.get(members[0]!.id))!.state).toBe('succeeded');
      // The chord still fires once its other member succeeds.
      const second = await claimOne(again, T0 + 12);
      await again.complete(
        { id: second.id, attempt: 1, outcome: { kind: 'ok', value: 'm1' }, retryDelayMs: 0 },
        T0 + 13,
      );
      expect(await again.get(members[2]!.id)).toMatchObject({
        state: 'queued',
        input: [['m0', 'm1']],
      });
    });

    it('changes a few thousand jobs in pages, durable across a reopen', async () => {
      const { backend } = await suite.open();
      const n = 3000;
      const created = await backend.submit(
        Array.from({ length: n }, (_, i) => spec({ category: 'many', input: { i } })),
        T0,
      );
      const ids = created.map((r) => r.job.id);
      let changed = 0;
      for (let i = 0; i < n; i += 1000) {
        changed += (await backend.bulk(ids.slice(i, i + 1000), 'cancel', T0 + 1)).changed.length;
      }
      expect(changed).toBe(n);
      expect((await backend.counts()).many!.cancelled).toBe(n);
      const { backend: again } = await suite.reopen(backend);
      expect((await again.counts()).many!.cancelled).toBe(n);
      for (let i = 0; i < n; i += 1000) {
        await again.bulk(ids.slice(i, i + 1000), 'delete', T0 + 2);
      }
      const { backend: third } = await suite.reopen(again);
      expect((await third.counts()).many?.cancelled ?? 0).toBe(0);
      expect(await third.list({ category: 'many' })).toEqual({ jobs: [], nextCursor: null });
    });
  });
}

import { describe, expect, it } from 'vitest';
import { Errors, createJob, isCadreError, type Job } from '@cadre/core';
import { toBackendError } from './db-errors.js';
import { FencedBatcher } from './fenced-batcher.js';
import type { FencedChange } from './sql/fenced.js';

const change = (id: string): FencedChange => ({
  id,
  attempt: 1,
  job: job(id),
  event: { type: 'interrupt' },
  now: 0,
});

function job(id: string): Job {
  return createJob(
    {
      id,
      key: null,
      category: 'c',
      task: 't',
      input: null,
      maxRetries: 0,
      timeoutMs: null,
      runAtMs: null,
    },
    0,
  );
}

/** A connection refused, as the pool reports it. */
const outage = () =>
  toBackendError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

describe('FencedBatcher', () => {
  it('commits what arrives together, and what arrives during a commit, in few batches', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new FencedBatcher({
      commit: async (changes) => {
        batches.push(changes.map((c) => c.id));
        if (batches.length === 1) await gate;
        return changes.map((c) => (c.id === 'refused' ? null : job(c.id)));
      },
    });
    const first = ['a', 'b', 'c'].map((id) => batcher.add(change(id)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = ['d', 'refused'].map((id) => batcher.add(change(id)));
    release();
    expect((await Promise.all(first)).map((j) => j?.id)).toEqual(['a', 'b', 'c']);
    expect((await Promise.all(second)).map((j) => j?.id ?? null)).toEqual(['d', null]);
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'refused'],
    ]);
  });

  it('tries a batch again through an outage until it lands', async () => {
    let attempts = 0;
    const batcher = new FencedBatcher({
      retryMs: { first: 5, max: 20 },
      commit: async (changes) => {
        if (++attempts < 5) throw outage();
        return changes.map((c) => job(c.id));
      },
    });
    const done = batcher.add(change('a'));
    expect((await done)?.id).toBe('a');
    expect(attempts).toBe(5);
  });

  it('splits a batch the database refuses, so that only the bad change fails', async () => {
    const batcher = new FencedBatcher({
      commit: async (changes) => {
        if (changes.some((c) => c.id === 'bad')) throw Errors.validation('refused');
        return changes.map((c) => job(c.id));
      },
    });
    const results = await Promise.allSettled(
      ['a', 'bad', 'b'].map((id) => batcher.add(change(id))),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('gives up when abandoned: what waits is rejected, what comes later too', async () => {
    const batcher = new FencedBatcher({
      retryMs: { first: 10_000, max: 10_000 },
      commit: async () => {
        throw outage();
      },
    });
    const waiting = batcher.add(change('a')).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    batcher.abandon(Errors.databaseUnavailable('closed'));
    await batcher.drain();
    const err = await waiting;
    expect(isCadreError(err) && err.message).toBe('the database cannot be reached: closed');
    await expect(batcher.add(change('b'))).rejects.toThrow('closed');
  });
});

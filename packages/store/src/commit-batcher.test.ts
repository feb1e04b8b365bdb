import { createJob, type Job } from '@cadre/core';
import type { JobStore, Mutation } from './job-store.js';
import { MemoryStore } from './memory-store.js';
import { describe, expect, it } from 'vitest';
import { CommitBatcher } from './commit-batcher.js';

/** A real MemoryStore that also keeps every commit it accepted, in order. */
class RecordingStore implements JobStore {
  readonly inner = new MemoryStore();
  readonly accepted: Mutation[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  load = () => this.inner.load();
  close = () => this.inner.close();
  async commit(mutations: readonly Mutation[]): Promise<void> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 2));
      await this.inner.commit(mutations);
      this.accepted.push([...mutations]);
    } finally {
      this.inFlight--;
    }
  }
}

const job = (id: string, input: unknown = null): Job =>
  createJob(
    {
      id,
      key: null,
      category: 'default',
      task: 'echo',
      input: input as Job['input'],
      maxRetries: 0,
      timeoutMs: null,
      runAtMs: null,
    },
    0,
  );
const put = (id: string, input: unknown = null): Mutation => ({ op: 'put', job: job(id, input) });
const ids = (store: RecordingStore) =>
  store.accepted.flat().map((m) => (m.op === 'put' ? `${m.job.id}:${String(m.job.input)}` : m.op));

function batcher(store: JobStore, errors: unknown[] = [], writable: (() => void)[] = []) {
  return new CommitBatcher(store, {
    onError: (err) => errors.push(err),
    onWritable: () => writable.forEach((f) => f()),
    writeBehindMs: 5,
    retryMs: { first: 5, max: 20 },
  });
}

describe('CommitBatcher', () => {
  it('groups what arrives together into one commit, one commit in flight at a time', async () => {
    const store = new RecordingStore();
    const b = batcher(store);
    const durable: string[] = [];
    b.later([put('a')], () => durable.push('a'));
    await Promise.all([b.add([put('b')]), b.add([put('c')])]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => b.add([put(`d${i}`)])));
    expect(store.accepted[0]!.map((m) => (m.op === 'put' ? m.job.id : ''))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(durable).toEqual(['a']);
    expect(store.maxInFlight).toBe(1);
    expect(store.accepted.length).toBeLessThanOrEqual(3);
  });

  it('tells an add the store refused, and never writes it afterwards', async () => {
    const store = new RecordingStore();
    const b = batcher(store);
    store.inner.setUnavailable('ENOSPC');
    await expect(b.add([put('refused')])).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
    expect(b.writable).toBe(false);
    store.inner.setUnavailable(null);
    await b.add([put('next')]);
    expect(b.writable).toBe(true);
    expect(ids(store)).toEqual(['next:null']);
  });

  it('keeps write-behind records the store refused and writes them, in order, once it recovers', async () => {
    const store = new RecordingStore();
    const errors: unknown[] = [];
    let recovered = 0;
    const b = batcher(store, errors, [() => recovered++]);
    const durable: string[] = [];
    store.inner.setUnavailable('EIO');
    b.later([put('x', 1)], () => durable.push('x1'));
    b.later([put('y', 1)], () => durable.push('y1'));
    await expect.poll(() => errors.length).toBeGreaterThan(1); // refused, and tried again
    expect(b.writable).toBe(false);
    expect(durable).toEqual([]);
    b.later([put('x', 2)], () => durable.push('x2'));
    store.inner.setUnavailable(null);
    await expect.poll(() => durable).toEqual(['x1', 'y1', 'x2']);
    expect(recovered).toBe(1);
    // The newer record of x was written after the older one, never before it.
    expect(ids(store)).toEqual(['x:1', 'y:1', 'x:2']);
    expect((await store.load()).jobs.find((j) => j.id === 'x')!.input).toBe(2);
  });

  it('fails only the add whose data cannot be stored as JSON', async () => {
    const store = new RecordingStore();
    const b = batcher(store);
    const durable: string[] = [];
    b.later([put('before')], () => durable.push('before'));
    const results = await Promise.allSettled([
      b.add([put('good1')]),
      b.add([put('bad', { n: 10n })]),
      b.add([put('good2')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_VALIDATION' });
    expect(durable).toEqual(['before']);
    expect(ids(store)).toEqual(['before:null', 'good1:null', 'good2:null']);
  });

  it('refuses adds once closed', async () => {
    const b = batcher(new RecordingStore());
    b.close();
    await expect(b.add([put('late')])).rejects.toMatchObject({ code: 'ERR_SHUTTING_DOWN' });
  });
});

import { describe, expect, it } from 'vitest';
import { isCadreError } from '@cadre/core';
import { MemoryStore } from './memory-store.js';
import { describeJobStoreConformance } from './test-support/conformance.js';
import { makeJob } from './test-support/jobs.js';

describeJobStoreConformance('MemoryStore', async () => {
  // A restart of an in-memory store is the same instance; after close the
  // state carries over into a new one, as a data directory would.
  let last: MemoryStore | null = null;
  return {
    open: async () => {
      last = new MemoryStore(last === null ? undefined : await last.load());
      return last;
    },
    reopen: async (store) => store,
    cleanup: async () => undefined,
  };
});

describe('MemoryStore', () => {
  it('rejects commits while unavailable and keeps none of them', async () => {
    const store = new MemoryStore();
    await store.commit([{ op: 'put', job: makeJob('a') }]);
    store.setUnavailable('ENOSPC');
    const err: unknown = await store.commit([{ op: 'put', job: makeJob('b') }]).catch((e) => e);
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
    store.setUnavailable(null);
    await store.commit([{ op: 'put', job: makeJob('c') }]);
    expect((await store.load()).jobs.map((j) => j.id)).toEqual(['a', 'c']);
  });

  it('starts from a given state', async () => {
    const store = new MemoryStore({ jobs: [makeJob('a')], categories: { x: { weight: 2 } } });
    expect(await store.load()).toEqual({
      jobs: [makeJob('a')],
      categories: { x: { weight: 2 } },
      schedules: {},
      observers: {},
      observations: {},
      history: {},
    });
  });
});

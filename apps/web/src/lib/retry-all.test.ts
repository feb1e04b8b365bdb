import { CadreClientError, type CadreClient, type Job, type ListOptions } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { retryAllFailed, type RetryProgress } from './retry-all.js';

function fakeClient(failedIds: string[], conflicts: string[] = []) {
  const retried: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const lists: ListOptions[] = [];
  const client: Pick<CadreClient, 'list' | 'retry'> = {
    async list(opts = {}) {
      lists.push(opts);
      const start = opts.cursor ? Number(opts.cursor) : 0;
      const limit = opts.limit ?? 100;
      const jobs = failedIds.slice(start, start + limit).map((id) => ({ id }) as Job);
      const end = start + limit;
      return { jobs, nextCursor: end < failedIds.length ? String(end) : null };
    },
    async retry(id) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
      if (conflicts.includes(id)) throw new CadreClientError('ERR_INVALID_TRANSITION', 'no', 409);
      if (id === 'boom') throw new CadreClientError('ERR_UNREACHABLE', 'network down', 0);
      retried.push(id);
      return { id } as Job;
    },
  };
  return { client, retried, lists, maxInFlight: () => maxInFlight };
}

describe('retryAllFailed', () => {
  it('pages through every failed job of the category and retries each once', async () => {
    const ids = Array.from({ length: 23 }, (_, i) => `j${i}`);
    const fake = fakeClient(ids, ['j5']);
    const seen: RetryProgress[] = [];
    const result = await retryAllFailed({
      client: fake.client,
      category: 'email',
      pageSize: 10,
      concurrency: 3,
      onProgress: (p) => seen.push(p),
    });
    expect(fake.lists.map((l) => l.cursor)).toEqual([undefined, '10', '20']);
    expect(fake.lists.every((l) => l.category === 'email' && l.state === 'failed')).toBe(true);
    expect([...fake.retried].sort()).toEqual(ids.filter((id) => id !== 'j5').sort());
    expect(result).toMatchObject({ retried: 22, skipped: 1, failed: 0, seen: 23, done: true });
    expect(fake.maxInFlight()).toBeLessThanOrEqual(3);
    expect(fake.maxInFlight()).toBeGreaterThan(1);
    expect(seen.at(-1)?.done).toBe(true);
  });

  it('counts other errors and keeps going', async () => {
    const fake = fakeClient(['a', 'boom', 'b']);
    const result = await retryAllFailed({ client: fake.client, category: 'x' });
    expect(result).toMatchObject({ retried: 2, failed: 1, lastError: 'network down' });
  });

  it('stops when aborted', async () => {
    const fake = fakeClient(['a', 'b']);
    const controller = new AbortController();
    controller.abort();
    const result = await retryAllFailed({
      client: fake.client,
      category: 'x',
      signal: controller.signal,
    });
    expect(result.retried).toBe(0);
    expect(fake.lists).toHaveLength(0);
  });
});

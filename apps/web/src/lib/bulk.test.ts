import type { CadreClient, CategoryView, Job, ListOptions } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import {
  confirmText,
  countFromSnapshot,
  countMatching,
  doneText,
  toBulkFilter,
  type TableFilter,
} from './bulk.js';

const none: TableFilter = { category: '', state: '', q: '', flowId: '' };
const cat = (name: string, queued: number, failed: number) =>
  ({ name, queued, failed, waiting: 0, delayed: 0, running: 0, retrying: 0 }) as CategoryView;

describe('toBulkFilter', () => {
  it('drops the empty fields: no filter is every job', () => {
    expect(toBulkFilter(none)).toEqual({});
    expect(toBulkFilter({ category: 'a', state: 'failed', q: 'x', flowId: 'f' })).toEqual({
      category: 'a',
      state: 'failed',
      q: 'x',
      flowId: 'f',
    });
  });
});

describe('countFromSnapshot', () => {
  const cats = [cat('a', 3, 7), cat('b', 4, 1)];
  it('sums a state counted now, over one category or all', () => {
    expect(countFromSnapshot({ ...none, state: 'queued' }, cats)).toBe(7);
    expect(countFromSnapshot({ ...none, state: 'queued', category: 'b' }, cats)).toBe(4);
  });
  it('cannot tell finished jobs (counted since the start), text, flows or every state', () => {
    expect(countFromSnapshot({ ...none, state: 'failed' }, cats)).toBeNull();
    expect(countFromSnapshot({ ...none, state: 'queued', q: 'x' }, cats)).toBeNull();
    expect(countFromSnapshot({ ...none, state: 'queued', flowId: 'f' }, cats)).toBeNull();
    expect(countFromSnapshot(none, cats)).toBeNull();
    expect(countFromSnapshot({ ...none, state: 'queued' }, undefined)).toBeNull();
  });
});

describe('countMatching', () => {
  function fake(total: number) {
    const asked: ListOptions[] = [];
    const client: Pick<CadreClient, 'list'> = {
      async list(opts = {}) {
        asked.push(opts);
        const start = opts.cursor ? Number(opts.cursor) : 0;
        const end = Math.min(total, start + (opts.limit ?? 100));
        const jobs = Array.from({ length: end - start }, (_, i) => ({ id: `${start + i}` }) as Job);
        return { jobs, nextCursor: end < total ? String(end) : null };
      },
    };
    return { client, asked };
  }

  it('pages the list with the filter until the end', async () => {
    const { client, asked } = fake(2500);
    const f = { ...none, state: 'failed' as const, q: 'boom' };
    expect(await countMatching(client, f)).toEqual({ n: 2500, atLeast: false });
    expect(asked).toHaveLength(3);
    expect(asked[0]).toMatchObject({ state: 'failed', q: 'boom', limit: 1000 });
  });

  it('stops at the cap and says "at least"', async () => {
    const { client, asked } = fake(50_000);
    expect(await countMatching(client, none, 3000)).toEqual({ n: 3000, atLeast: true });
    expect(asked).toHaveLength(3);
  });
});

describe('texts', () => {
  it('asks once, saying how many jobs and which of them the action takes', () => {
    expect(confirmText('retry', { n: 200, atLeast: false }, true)).toBe(
      'Retry 200 jobs matching this filter? Only failed and cancelled ones are retried.',
    );
    expect(confirmText('delete', { n: 1, atLeast: false }, false)).toBe(
      'Delete 1 job? Only finished ones are deleted, for good.',
    );
    expect(confirmText('cancel', { n: 10_000, atLeast: true }, true)).toMatch(
      /^Cancel at least 10,000 jobs matching this filter\?/,
    );
  });

  it('reports what changed of what matched', () => {
    expect(doneText('retry', 200, 200)).toBe('Retried 200 jobs.');
    expect(doneText('delete', 5, 1)).toBe('Deleted 1 job of 5 matching.');
  });
});

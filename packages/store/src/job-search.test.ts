import { describe, expect, it } from 'vitest';
import { createJob, transition, type Job } from '@cadre/core';
import { jobFilter, scanPage, searchText } from './job-search.js';

function job(id: string, patch: Partial<Job> = {}): Job {
  const made = createJob(
    {
      id,
      key: null,
      category: 'default',
      task: 'echo',
      input: { Note: 'Hello' },
      maxRetries: 0,
      timeoutMs: null,
      runAtMs: null,
      flowId: null,
      parents: [],
    },
    0,
  );
  return { ...made, ...patch };
}

describe('searchText', () => {
  it('joins id, key, task, and input, result and error as JSON, lowercased, one per line', () => {
    const failed = transition(
      transition(job('A1', { key: 'K' }), { type: 'start', node: 'n' }, 1),
      {
        type: 'settle',
        outcome: { kind: 'error', message: 'Boom', retryable: false },
        retryDelayMs: 0,
      },
      2,
    );
    expect(searchText(failed)).toBe(
      `a1\nk\necho\n{"note":"hello"}\n\n${JSON.stringify(failed.lastError).toLowerCase()}`,
    );
    expect(searchText(failed)).toContain('"message":"boom"');
    const done = { ...job('B2'), result: { Out: 1 } };
    expect(searchText(done)).toBe('b2\n\necho\n{"note":"hello"}\n{"out":1}\n');
  });

  it('builds the text once per record', () => {
    const j = job('C3');
    expect(searchText(j)).toBe(searchText(j));
    expect(searchText(j)).toBe(searchText({ ...j }));
  });
});

describe('jobFilter', () => {
  it('is undefined without task or text, and tests both when given', () => {
    expect(jobFilter({})).toBeUndefined();
    expect(jobFilter({ q: '' })).toBeUndefined();
    const j = job('D4');
    expect(jobFilter({ q: 'HELLO' })!(j)).toBe(true);
    expect(jobFilter({ q: 'bye' })!(j)).toBe(false);
    expect(jobFilter({ task: 'echo' })!(j)).toBe(true);
    expect(jobFilter({ task: 'echo', q: 'hello' })!(j)).toBe(true);
    expect(jobFilter({ task: 'other', q: 'hello' })!(j)).toBe(false);
  });
});

describe('scanPage', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const even = (j: Job) => ids.indexOf(j.id) % 2 === 0;

  it('pages the matches newest first below the cursor, whatever order the jobs come in', () => {
    for (const order of [ids, [...ids].reverse(), ['d', 'a', 'g', 'c', 'f', 'b', 'e']]) {
      const jobs = order.map((id) => job(id));
      expect(scanPage(jobs, even, undefined, 2)).toMatchObject({ nextCursor: 'e' });
      expect(scanPage(jobs, even, undefined, 2).jobs.map((j) => j.id)).toEqual(['g', 'e']);
      expect(scanPage(jobs, even, 'e', 2).jobs.map((j) => j.id)).toEqual(['c', 'a']);
      expect(scanPage(jobs, even, 'e', 2).nextCursor).toBeNull();
      expect(scanPage(jobs, () => true, 'c', 10).jobs.map((j) => j.id)).toEqual(['b', 'a']);
      expect(scanPage(jobs, () => false, undefined, 10)).toEqual({ jobs: [], nextCursor: null });
    }
  });
});

import type { Job } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { sortJobs } from './job-sort.js';

const job = (id: string, priority: number) => ({ id, priority }) as Job;

describe('sortJobs', () => {
  const page = [job('j5', 0), job('j4', 3), job('j3', -1), job('j2', 3), job('j1', 0)];

  it('keeps the API order (newest first) by default', () => {
    expect(sortJobs(page, 'newest')).toBe(page);
  });

  it('puts the highest priority first, newest first among equals', () => {
    expect(sortJobs(page, 'priority').map((j) => j.id)).toEqual(['j4', 'j2', 'j5', 'j1', 'j3']);
    expect(page.map((j) => j.id)).toEqual(['j5', 'j4', 'j3', 'j2', 'j1']);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@cadre/server';
import { openLowdbStore } from '@cadre/store';
import { afterAll, describe, expect, it } from 'vitest';
import { LIST_CATEGORIES, writeListConfig, writeRetainedJobs } from './list-bench.js';

const root = await mkdtemp(join(tmpdir(), 'cadre-list-bench-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the listing bench data', () => {
  it('writes finished jobs a store reads back, in the counts it reports', async () => {
    const dir = join(root, 'data');
    const written = await writeRetainedJobs(dir, { total: 3000, failedShare: 0.05, cancelled: 10 });
    const store = await openLowdbStore({ dir });
    const { jobs } = await store.load();
    await store.close();

    expect(jobs).toHaveLength(3000);
    const count = (state: string) => jobs.filter((j) => j.state === state).length;
    expect(count('failed')).toBe(written.failed);
    expect(count('cancelled')).toBe(10);
    expect(count('succeeded')).toBe(3000 - written.failed - 10);
    expect(written.failed).toBeGreaterThan(50);
    for (const c of LIST_CATEGORIES) {
      expect(jobs.filter((j) => j.category === c && j.state === 'failed')).toHaveLength(
        written.failedIn[c]!,
      );
    }
    // Ids in the engine's format, unique and in creation order.
    const ids = jobs.map((j) => j.id).sort();
    expect(new Set(ids).size).toBe(3000);
    expect(ids.every((id) => /^[0-9a-z]{13}$/.test(id))).toBe(true);
    const cancelled = jobs.filter((j) => j.state === 'cancelled').map((j) => j.id);
    expect(cancelled.every((id) => id <= ids[299]!)).toBe(true);
  });

  it('writes a config the server accepts, keeping every job', async () => {
    const file = join(root, 'cadre.config.json');
    await writeListConfig(file, 1_000_001);
    const { config } = loadConfig({ file, env: {} });
    expect(config.retention.maxCount).toBe(1_000_001);
    expect(config.categories.map((c) => c.name)).toEqual([...LIST_CATEGORIES]);
    expect(config.tasks.map((t) => t.name)).toEqual(['echo']);
  });
});

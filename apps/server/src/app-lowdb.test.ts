// The server over the real lowdb store: jobs are durable when answered and
// are there again after a restart on the same directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@cadre/core';
import { openLowdbStore } from '@cadre/store';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from './test-support/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-lowdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('with the lowdb store', () => {
  it("keeps finished and waiting jobs, and the categories' settings, across a restart", async () => {
    const first = await startTestServer({ store: await openLowdbStore({ dir }) });
    let done: Job;
    let waiting: Job;
    try {
      const job = await first.client.submit({ task: 'echo', input: { keep: true }, key: 'k' });
      done = await first.client.get(job.id, { waitMs: 10_000 });
      expect(done.state).toBe('succeeded');
      waiting = await first.client.submit({ task: 'echo', delayMs: 3_600_000 });
      await first.client.patchCategory('email', { weight: 4 });
      expect(await first.client.patchCategory('images', { concurrency: 50 })).toMatchObject({
        name: 'images',
        concurrency: 50,
      });
    } finally {
      await first.close();
    }

    const second = await startTestServer({ store: await openLowdbStore({ dir }) });
    try {
      expect(await second.client.get(done.id)).toMatchObject({
        state: 'succeeded',
        result: { keep: true },
      });
      expect(await second.client.get(waiting.id)).toMatchObject({ state: 'delayed' });
      const again = await second.request('POST', '/api/jobs', { body: { task: 'echo', key: 'k' } });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(done.id);
      const email = (await second.client.categories()).find((c) => c.name === 'email');
      expect(email?.weight).toBe(4);
      const images = (await second.client.categories()).find((c) => c.name === 'images');
      expect(images?.concurrency).toBe(50);
    } finally {
      await second.close();
    }
  });
});

// The server over the real lowdb store: jobs are durable when answered and
// are there again after a restart on the same directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flow, Job } from '@cadre/core';
import { openLowdbStore } from '@cadre/store';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, until } from './test-support/test-server.js';

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

  it('keeps a flow and its waiting callbacks across a restart, and they fire after it', async () => {
    const flowDir = mkdtempSync(join(tmpdir(), 'cadre-lowdb-flow-'));
    try {
      const first = await startTestServer({ store: await openLowdbStore({ dir: flowDir }) });
      let flow: Flow;
      try {
        await first.client.patchCategory('images', { paused: true });
        flow = await first.client.submitChain({
          jobs: [
            { task: 'echo', category: 'images', input: 'a' },
            { task: 'echo', input: ['b'], onError: [{ task: 'echo' }] },
          ],
        });
      } finally {
        await first.close();
      }

      const second = await startTestServer({ store: await openLowdbStore({ dir: flowDir }) });
      try {
        const kept = await second.client.getFlow(flow.id);
        expect(kept).toEqual(flow);
        expect((await second.client.stats()).waiting).toBe(2);
        await second.client.patchCategory('images', { paused: false });
        const done = await until(
          () => second.client.getFlow(flow.id),
          (f) => f.state !== 'running',
        );
        expect(done.state).toBe('succeeded');
        expect(done.jobs[1]!.result).toEqual(['a', 'b']);
        expect(done.callbacks.map((c) => [c.state, c.lastError?.kind])).toEqual([
          ['cancelled', 'upstream'],
        ]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(flowDir, { recursive: true, force: true });
    }
  });
});

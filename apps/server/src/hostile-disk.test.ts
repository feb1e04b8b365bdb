// Disk trouble: while the store cannot write (a full disk, a failing fsync),
// submissions are refused with 503 ERR_STORE_UNAVAILABLE, reads and /healthz
// keep answering, and once the disk recovers submissions succeed again with
// nothing acknowledged lost and nothing refused created.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, openLowdbStore } from '@cadre/store';
import { afterAll, describe, expect, it } from 'vitest';
import { failingDisk } from './test-support/failing-disk.js';
import {
  silentLogger,
  startTestServer,
  until,
  type AnyBody,
  type TestServer,
} from './test-support/test-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'cadre-disk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Submits acknowledged work: two delayed jobs and one that runs to the end. */
async function submitAcknowledged(s: TestServer, tag: string): Promise<string[]> {
  const res = await s.request('POST', '/api/jobs', {
    body: [
      { task: 'echo', input: { tag, n: 1 }, delayMs: 3_600_000 },
      { task: 'echo', input: { tag, n: 2 }, delayMs: 3_600_000, key: `${tag}-key` },
      { task: 'echo', input: { tag, n: 3 } },
    ],
  });
  expect(res.status).toBe(201);
  const ids = (res.body as AnyBody[]).map((j) => j.id as string);
  expect((await s.client.get(ids[2]!, { waitMs: 10_000 })).state).toBe('succeeded');
  return ids;
}

/** Every kind of submission is refused with 503 while the disk fails; reads still answer. */
async function expectRefused(s: TestServer, acked: readonly string[]): Promise<void> {
  const bodies: unknown[] = [
    { task: 'echo', input: 'refused' },
    [{ task: 'echo' }, { task: 'sleep', input: { ms: 1 } }],
    { task: 'echo', key: 'refused-key' },
    { task: 'echo', delayMs: 10 },
  ];
  for (const body of bodies) {
    const res = await s.request('POST', '/api/jobs', { body });
    expect(res.status, JSON.stringify(body)).toBe(503);
    expect(res.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(typeof res.body.error.message).toBe('string');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  expect(await s.request('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  expect((await s.request('GET', '/api/stats')).status).toBe(200);
  for (const id of acked) expect((await s.request('GET', `/api/jobs/${id}`)).status).toBe(200);
}

/** After recovery: 201 again, and a key refused earlier was never taken. */
async function expectRecovered(s: TestServer): Promise<string[]> {
  const res = await s.request('POST', '/api/jobs', { body: { task: 'echo', input: 'after' } });
  expect(res.status).toBe(201);
  const keyed = await s.request('POST', '/api/jobs', {
    body: { task: 'echo', key: 'refused-key' },
  });
  expect(keyed.status).toBe(201);
  expect((await s.client.get(res.body.id, { waitMs: 10_000 })).state).toBe('succeeded');
  return [res.body.id, keyed.body.id];
}

async function allJobIds(s: TestServer): Promise<string[]> {
  const page = await s.client.list({ limit: 1000 });
  expect(page.nextCursor).toBeNull();
  return page.jobs.map((j) => j.id);
}

describe('disk trouble', () => {
  it('with the memory store made unavailable: 503, then 201 once it recovers', async () => {
    const store = new MemoryStore();
    const s = await startTestServer({ store });
    try {
      const acked = await submitAcknowledged(s, 'mem');
      store.setUnavailable('ENOSPC: no space left on device');
      await expectRefused(s, acked);
      store.setUnavailable(null);
      const later = await expectRecovered(s);
      const all = [...acked, ...later];
      expect((await allJobIds(s)).sort()).toEqual([...all].sort());
      const stored = (await store.load()).jobs.map((j) => j.id);
      expect(stored.sort()).toEqual([...all].sort());
    } finally {
      await s.close();
    }
  });

  for (const fault of [
    { code: 'ENOSPC', ops: ['write'] as const },
    { code: 'EIO', ops: ['fdatasync', 'fsync'] as const },
  ]) {
    it(`with the lowdb store and a failing ${fault.ops[0]} (${fault.code})`, async () => {
      const dir = join(tmp, fault.code);
      const disk = failingDisk();
      const s = await startTestServer({
        store: await openLowdbStore({ dir, fs: disk, logger: silentLogger }),
      });
      let all: string[];
      try {
        const acked = await submitAcknowledged(s, fault.code);
        disk.fail(fault.code, fault.ops);
        await expectRefused(s, acked);
        expect(disk.failures).toBeGreaterThan(0);
        disk.heal();
        const later = await expectRecovered(s);
        all = [...acked, ...later];
        expect((await allJobIds(s)).sort()).toEqual([...all].sort());
      } finally {
        await s.close();
      }

      // What was acknowledged is on disk; what was refused is not.
      const again = await startTestServer({ store: await openLowdbStore({ dir }) });
      try {
        expect((await allJobIds(again)).sort()).toEqual([...all].sort());
        const [delayed, keyed, ran] = all;
        expect(await again.client.get(delayed!)).toMatchObject({ state: 'delayed' });
        expect(await again.client.get(keyed!)).toMatchObject({ state: 'delayed' });
        const done = await until(
          () => again.client.get(ran!),
          (j) => j.state === 'succeeded',
        );
        expect(done.result).toEqual({ tag: fault.code, n: 3 });
      } finally {
        await again.close();
      }
    });
  }

  it('a cancel the disk refuses changes nothing, in memory or after a restart', async () => {
    const dir = join(tmp, 'cancel');
    const disk = failingDisk();
    const s = await startTestServer({
      store: await openLowdbStore({ dir, fs: disk, logger: silentLogger }),
    });
    let id: string;
    try {
      const res = await s.request('POST', '/api/jobs', {
        body: { task: 'echo', input: 'later', delayMs: 3_600_000 },
      });
      expect(res.status).toBe(201);
      id = res.body.id;
      disk.fail('EIO', ['fdatasync', 'fsync']);
      for (let i = 0; i < 2; i++) {
        const refused = await s.request('POST', `/api/jobs/${id}/cancel`);
        expect(refused.status).toBe(503);
        expect(refused.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
      }
      expect(await s.client.get(id)).toMatchObject({ state: 'delayed' });
      disk.heal();
    } finally {
      await s.close();
    }
    // The refused cancel is nowhere: the job is still delayed, and can be cancelled now.
    const again = await startTestServer({ store: await openLowdbStore({ dir }) });
    try {
      expect(await again.client.get(id)).toMatchObject({ state: 'delayed' });
      const cancelled = await again.request('POST', `/api/jobs/${id}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { state: 'cancelled' } });
    } finally {
      await again.close();
    }
    const third = await startTestServer({ store: await openLowdbStore({ dir }) });
    try {
      expect(await third.client.get(id)).toMatchObject({ state: 'cancelled' });
    } finally {
      await third.close();
    }
  });
});

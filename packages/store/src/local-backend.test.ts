import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { createLocalBackend } from './local-backend.js';
import { openLowdbStore } from './lowdb-store.js';
import { MemoryStore } from './memory-store.js';
import { describeBackendConformance } from './test-support/backend-conformance.js';
import { NODE, RETENTION, T0 } from './test-support/conformance-support.js';
import { makeTmpDir } from './test-support/tmp-dir.js';

describeBackendConformance('local (lowdb)', async () => {
  const tmp = await makeTmpDir();
  return {
    create: async () => createLocalBackend({ store: await openLowdbStore({ dir: tmp.dir }) }),
    cleanup: () => tmp.remove(),
  };
});

// The in-memory store applies updates as the journal's deltas, the way
// recovery does: a change written against the wrong record shows here too.
describeBackendConformance('local (memory)', async () => {
  let store = new MemoryStore();
  return {
    create: async () => {
      store = new MemoryStore(await store.load());
      return createLocalBackend({ store });
    },
    cleanup: async () => undefined,
  };
});

describe('local (lowdb): a journal of release 0.3, whole records only', () => {
  const fixture = new URL(
    './test-support/fixtures/release-0.3-journal-00000001.jsonl',
    import.meta.url,
  );
  // What that release did: four jobs submitted at T0, three claimed at T0+10; the first
  // succeeded at T0+20, the second failed at T0+30 (retry in 1000 ms), the fourth was
  // cancelled at T0+40; the third was running when it stopped.
  const [a, b, c, d] = ['0mjuohs000000', '0mjuohs000001', '0mjuohs000002', '0mjuohs000003'];
  const iso = (ms: number) => new Date(ms).toISOString();

  const open = async (
    dir: string,
    now: number,
  ): Promise<{ backend: Backend; requeued: number }> => {
    const backend = createLocalBackend({ store: await openLowdbStore({ dir }) });
    const opened = await backend.open({
      node: NODE,
      limits: { maxQueuedTotal: null, maxQueued: {}, retention: RETENTION },
      nodeTimeoutMs: 30_000,
      now,
    });
    return { backend, requeued: opened.requeued };
  };

  it('is replayed, and its jobs go on as updates that replay to the same records', async () => {
    const tmp = await makeTmpDir();
    const journal = join(tmp.dir, 'journal-00000001.jsonl');
    try {
      await copyFile(fixture, journal);
      const written = await readFile(journal, 'utf8');
      let { backend, requeued } = await open(tmp.dir, T0 + 5000);
      expect(requeued).toBe(1);
      expect(await backend.get(a!)).toMatchObject({
        state: 'succeeded',
        attempts: 1,
        result: { echoed: 1 },
        durationMs: 10,
        finishedAt: iso(T0 + 20),
        node: NODE.name,
        // That release had no priorities: its jobs read as priority 0.
        priority: 0,
      });
      expect(await backend.get(b!)).toMatchObject({
        state: 'retrying',
        runAt: iso(T0 + 1030),
        lastError: { kind: 'exception', message: 'boom' },
      });
      expect(await backend.get(c!)).toMatchObject({
        state: 'queued',
        attempts: 1,
        lastError: { kind: 'lost' },
      });
      expect(await backend.get(d!)).toMatchObject({
        state: 'cancelled',
        input: { n: 4, text: 'héllo ✓' },
      });

      await backend.promoteDue(T0 + 6000);
      const claimed = await backend.claim('default', 2, T0 + 6001);
      expect(claimed.map((job) => job.id)).toEqual([c, b]);
      const pad = 'x'.repeat(120);
      for (const job of claimed) {
        const value = { again: job.id, pad };
        // Spaced unlike JSON.stringify, to find it in the journal as it was handed over.
        const json = `{"again": "${job.id}", "pad": "${pad}"}`;
        const outcome = { kind: 'ok', value, json } as const;
        expect(
          await backend.complete(
            { id: job.id, attempt: job.attempts, outcome, retryDelayMs: 0 },
            T0 + 6002,
          ),
        ).toMatchObject({ state: 'succeeded', result: value });
      }
      const before = (await backend.list({ limit: 100 })).jobs;
      await backend.close();

      // Appended: the put of the job requeued as lost, then updates, which carry no input.
      const appended = (await readFile(journal, 'utf8')).slice(written.length);
      expect(appended.match(/"op":"put"/g)).toHaveLength(1);
      expect(appended.match(/"input"/g)).toHaveLength(1);
      expect(appended.match(/"op":"update"/g)).toHaveLength(5);
      for (const job of claimed) expect(appended).toContain(`"result":{"again": "${job.id}"`);

      ({ backend, requeued } = await open(tmp.dir, T0 + 7000));
      expect(requeued).toBe(0);
      expect((await backend.list({ limit: 100 })).jobs).toEqual(before);
      await backend.close();
    } finally {
      await tmp.remove();
    }
  });
});

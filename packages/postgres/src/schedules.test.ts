/** Schedules and observers on several nodes of one schema: a tick fires once, a result is kept once. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkObserver, checkSchedule, scheduleKey } from '@cadre/core';
import type { JobSpec } from '@cadre/store';
import type { PostgresBackend } from './postgres-backend.js';
import { T0, openNode } from './test-support/nodes.js';
import { dropSchema } from './test-support/schemas.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

let db: TestDatabase;
let schema: string;
let nodes: PostgresBackend[];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(() => {
  schema = db.schemaName();
  nodes = [];
});
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await dropSchema(db.url, schema);
});

const node = async (name: string): Promise<PostgresBackend> => {
  const b = await openNode({ connectionString: db.url, schema }, name);
  nodes.push(b);
  return b;
};

const tickSpec = (tickMs: number): JobSpec => ({
  key: scheduleKey('s', tickMs),
  category: 'default',
  task: 'echo',
  input: null,
  maxRetries: 0,
  timeoutMs: null,
  runAtMs: null,
  schedule: 's',
});

describe('schedules on three nodes', () => {
  it('each tick fired by every node at once makes one job, and the record ends past the last', async () => {
    const [a, b, c] = [await node('a'), await node('b'), await node('c')];
    const saved = await a.saveSchedule(
      checkSchedule({ name: 's', everyMs: 1000, job: { task: 'echo' } }),
      'api',
      T0,
    );
    const ticks = Array.from({ length: 40 }, (_, i) => T0 + (i + 1) * 1000);
    for (const tick of ticks) {
      const fired = await Promise.all(
        [a, b, c].map((n) => n.fireSchedule('s', saved.revision, tick, tickSpec(tick), tick)),
      );
      expect(fired.filter((f) => f !== null)).toHaveLength(1);
    }
    const jobs = (await a.list({ limit: 1000 })).jobs;
    expect(jobs.map((j) => j.key).sort()).toEqual(ticks.map((t) => scheduleKey('s', t)).sort());
    expect(jobs.every((j) => j.schedule === 's')).toBe(true);
    const [record] = await c.schedules();
    expect(record).toMatchObject({ sinceMs: ticks.at(-1), lastRunAtMs: ticks.at(-1) });
  });

  it('a tick fired after its job was pruned is still refused: the record, not the key, is the fence', async () => {
    const a = await node('a');
    const s = await a.saveSchedule(
      checkSchedule({ name: 's', everyMs: 1000, job: { task: 'echo' } }),
      'api',
      T0,
    );
    const tick = T0 + 1000;
    const fired = await a.fireSchedule('s', s.revision, tick, tickSpec(tick), tick);
    const id = fired!.job!.job.id;
    await a.cancel(id, tick);
    // Retention of no age and one job: the cancelled tick job goes once another finishes.
    await a.submit([{ ...tickSpec(tick), key: null, schedule: null }], tick);
    const other = (await a.claim('default', 1, tick))[0]!;
    await a.complete(
      { id: other.id, attempt: 1, outcome: { kind: 'ok', value: 1 }, retryDelayMs: 0 },
      tick,
    );
    const closed = nodes.pop()!;
    await closed.close();
    const pruner = await openNode({ connectionString: db.url, schema }, 'a', {
      limits: {
        maxQueuedTotal: null,
        maxQueued: {},
        retention: { maxAgeMs: 0, maxCount: 1, failed: { maxAgeMs: 0, maxCount: 1 } },
      },
    });
    nodes.push(pruner);
    expect(await pruner.prune(tick + 10)).toBeGreaterThan(0);
    expect(await pruner.get(id)).toBeNull();
    expect(await pruner.fireSchedule('s', s.revision, tick, tickSpec(tick), tick + 20)).toBeNull();
    expect((await pruner.list({ key: scheduleKey('s', tick) })).jobs).toEqual([]);
  });
});

describe('observers on two nodes', () => {
  it('keeps one result per tick when both record it at once', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const o = await a.saveObserver(
      checkObserver({ name: 'o', query: {}, everyMs: 1000 }),
      'api',
      T0,
    );
    for (let i = 1; i <= 20; i++) {
      const tick = T0 + i * 1000;
      const result = { name: 'o', at: new Date(tick).toISOString(), count: i, ids: [] };
      const kept = await Promise.all(
        [a, b].map((n) => n.recordObservation(result, o.revision, tick)),
      );
      expect(kept.filter(Boolean)).toHaveLength(1);
    }
    expect((await b.observations('o', 100)).map((r) => r.count)).toEqual(
      Array.from({ length: 20 }, (_, i) => 20 - i),
    );
  });
});

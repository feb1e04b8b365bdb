/** Several nodes on one schema: what the one-node conformance suite cannot see. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCadreError, type Job, type JobState } from '@cadre/core';
import type { JobSpec } from '@cadre/store';
import { Db } from './db.js';
import { silentLogger } from './logger.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { Names } from './names.js';
import type { PostgresBackend } from './postgres-backend.js';
import { T0, openNode, pause, until } from './test-support/nodes.js';
import { dropSchema, sql } from './test-support/schemas.js';
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

const node = async (name: string, nodeTimeoutMs = 30_000): Promise<PostgresBackend> => {
  const b = await openNode({ connectionString: db.url, schema }, name, { nodeTimeoutMs });
  nodes.push(b);
  return b;
};

const spec = (patch: Partial<JobSpec> = {}): JobSpec => ({
  key: null,
  category: 'default',
  task: 'echo',
  input: null,
  maxRetries: 1,
  timeoutMs: null,
  runAtMs: null,
  ...patch,
});

const codeOf = async (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(
    () => null,
    (err: unknown) => (isCadreError(err) ? err.code : String(err)),
  );

describe('migrations', () => {
  it('run once when three nodes open a new schema at the same moment', async () => {
    const three = await Promise.all(['a', 'b', 'c'].map((name) => node(name)));
    expect(three).toHaveLength(3);
    const rows = await sql(db.url, `SELECT version FROM "${schema}".migrations ORDER BY version`);
    expect(rows).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    const again = await node('d');
    await again.submit([spec()], T0);
    expect((await sql(db.url, `SELECT count(*)::int AS n FROM "${schema}".migrations`))[0]).toEqual(
      { n: MIGRATIONS.length },
    );
  });

  it('bring the jobs of a schema of version 2 to flows (3), each outside any flow', async () => {
    const old = new Db({
      connectionString: db.url,
      poolSize: 1,
      applicationName: 'cadre test',
      logger: silentLogger,
      onHealth: () => undefined,
    });
    try {
      expect(await migrate(old, new Names(schema), silentLogger, MIGRATIONS.slice(0, 2))).toEqual([
        1, 2,
      ]);
    } finally {
      await old.end();
    }
    await sql(
      db.url,
      `INSERT INTO "${schema}".jobs (id, category, task, input, state, attempts, max_retries,
         created_at, queue_seq)
       VALUES ('0old', 'default', 'echo', '[1]', 'queued', 0, 0, $1, 1)`,
      [new Date(T0).toISOString()],
    );
    const a = await node('a');
    const old0 = await a.get('0old');
    expect(old0).toMatchObject({ state: 'queued', flowId: null, flowRole: null, parents: [] });
    expect(old0!.trigger).toBeNull();
    const [, waiting] = await a.submit(
      [spec(), spec({ parents: [0], trigger: { on: 'success', pass: 'result' } })],
      T0,
    );
    expect(waiting!.job.state).toBe('waiting');
    await expect(
      sql(db.url, `UPDATE "${schema}".jobs SET state = 'lost' WHERE id = '0old'`),
    ).rejects.toThrow(/jobs_state_check/);
  });
});

describe('claims', () => {
  it('never give one job to two nodes claiming at once', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => node(name)));
    const submitted = await a!.submit(
      Array.from({ length: 300 }, (_, i) => spec({ input: i })),
      T0,
    );
    const claimedBy = new Map<string, string>();
    const drain = async (backend: PostgresBackend, name: string) => {
      for (;;) {
        const jobs = await backend.claim('default', 7, T0 + 1);
        if (jobs.length === 0) return;
        for (const job of jobs) {
          expect(claimedBy.has(job.id)).toBe(false);
          expect(job.node).toBe(name);
          claimedBy.set(job.id, name);
        }
      }
    };
    await Promise.all([drain(a!, 'a'), drain(b!, 'b'), drain(c!, 'c'), drain(a!, 'a')]);
    expect(claimedBy.size).toBe(300);
    expect(new Set(claimedBy.keys())).toEqual(new Set(submitted.map((r) => r.job.id)));
    expect(new Set(claimedBy.values()).size).toBeGreaterThan(1);
  });
});

describe('dead nodes', () => {
  it('a node declared dead cannot complete what it ran, nor claim until it rejoins', async () => {
    const a = await node('a');
    const b = await node('b');
    await a.submit([spec(), spec()], T0);
    const [running] = await a.claim('default', 1, T0 + 1);
    await pause(50);
    await b.heartbeat({ running: 0, finished: {}, throughput: {} }, T0 + 2);
    expect(await b.reap(40, T0 + 3)).toEqual([{ node: 'a', requeued: 1 }]);
    const ok = { kind: 'ok', value: 1 } as const;
    expect(
      await a.complete({ id: running!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 4),
    ).toBeNull();
    expect((await b.get(running!.id))!.lastError?.kind).toBe('lost');
    expect(await a.claim('default', 5, T0 + 5)).toEqual([]);
    const again = await b.claim('default', 5, T0 + 5);
    expect(again.map((j) => [j.node, j.attempts])).toEqual([
      ['b', 1],
      ['b', 2],
    ]);
    expect(
      await b.complete({ id: running!.id, attempt: 2, outcome: ok, retryDelayMs: 0 }, T0 + 6),
    ).not.toBeNull();
    expect(await a.heartbeat({ running: 0, finished: {}, throughput: {} }, T0 + 7)).toBe('dead');
    await b.submit([spec()], T0 + 8);
    // Its heartbeat told it; it claims nothing until it has dropped its attempts and rejoins.
    expect(await a.claim('default', 5, T0 + 9)).toEqual([]);
    await a.rejoin(T0 + 9);
    expect(await a.claim('default', 5, T0 + 9)).toHaveLength(1);
  });

  it('a closed node that left jobs running has them queued again by the next reap', async () => {
    const a = await node('a');
    const b = await node('b');
    await a.submit([spec()], T0);
    await a.claim('default', 1, T0 + 1);
    await a.close();
    expect((await b.nodes(T0)).map((n) => [n.name, n.state])).toEqual([
      ['a', 'dead'],
      ['b', 'live'],
    ]);
    expect(await b.reap(60_000, T0 + 2)).toEqual([{ node: 'a', requeued: 1 }]);
    expect(await b.claim('default', 1, T0 + 3)).toHaveLength(1);
    const idle = await node('c');
    await idle.close();
    expect((await b.nodes(T0)).map((n) => n.name)).toEqual(['a', 'b']);
  });
});

describe('node names', () => {
  it('refuse a name a live node holds, and let a silent one be taken over', async () => {
    const a = await node('x', 1000);
    await a.submit([spec()], T0);
    const [running] = await a.claim('default', 1, T0 + 1);
    expect(await a.heartbeat({ running: 1, finished: {}, throughput: {} }, T0 + 1)).toBe('live');
    expect(await codeOf(node('x', 1000))).toBe('ERR_NODE_NAME_TAKEN');
    await pause(1100);
    const successor = await openNode({ connectionString: db.url, schema }, 'x', {
      nodeTimeoutMs: 1000,
      now: T0 + 2,
    });
    nodes.push(successor);
    expect((await successor.get(running!.id))!.state).toBe('queued');
    // The stale process stays out: its heartbeat says dead, it claims and completes nothing.
    expect(await a.heartbeat({ running: 1, finished: {}, throughput: {} }, T0 + 3)).toBe('dead');
    await a.rejoin(T0 + 3);
    expect(await a.claim('default', 1, T0 + 3)).toEqual([]);
    const ok = { kind: 'ok', value: 1 } as const;
    expect(
      await a.complete({ id: running!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 4),
    ).toBeNull();
    expect(await successor.claim('default', 1, T0 + 5)).toHaveLength(1);
    expect((await successor.nodes(T0)).map((n) => n.state)).toEqual(['live']);
  });
});

describe('the leader lease', () => {
  it('is held by one node at a time, renewed by its holder, taken over once expired', async () => {
    const all = await Promise.all(['a', 'b', 'c'].map((name) => node(name)));
    const leads = await Promise.all([...all, ...all, ...all].map((b) => b.lead(400, T0)));
    const wins = leads.map((l) => l.leader);
    expect(wins.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    const leaders = new Set(all.filter((_, i) => wins[i] || wins[i + 3] || wins[i + 6]));
    expect(leaders.size).toBe(1);
    const [leader] = leaders;
    const others = all.filter((b) => b !== leader);
    expect(await leader!.lead(400, T0)).toEqual({ leader: true, expiresInMs: 400 });
    // A follower learns when the lease runs out: within the 400 ms just renewed.
    const follower = await others[0]!.lead(400, T0);
    expect(follower.leader).toBe(false);
    expect(follower.expiresInMs).toBeGreaterThan(0);
    expect(follower.expiresInMs).toBeLessThanOrEqual(400);
    const view = await others[1]!.nodes(T0);
    expect(view.filter((n) => n.leader)).toHaveLength(1);
    await pause(500);
    expect((await others[0]!.lead(400, T0)).leader).toBe(true);
    expect((await leader!.lead(400, T0)).leader).toBe(false);
  });

  it('is released when its holder closes', async () => {
    const a = await node('a');
    const b = await node('b');
    expect((await a.lead(60_000, T0)).leader).toBe(true);
    expect((await b.lead(60_000, T0)).leader).toBe(false);
    await a.close();
    expect((await b.lead(60_000, T0)).leader).toBe(true);
  });
});

describe('notifications', () => {
  it('wake other nodes for new work and settings, tell them of allocations, but not the sender', async () => {
    const a = await node('a');
    const b = await node('b');
    const wakesA: (string | undefined)[] = [];
    const wakesB: (string | undefined)[] = [];
    let allocationsA = 0;
    let allocationsB = 0;
    a.on('wake', (c) => wakesA.push(c));
    b.on('wake', (c) => wakesB.push(c));
    a.on('allocation', () => (allocationsA += 1));
    b.on('allocation', () => (allocationsB += 1));
    await a.submit([spec({ category: 'mail' }), spec({ category: 'mail' })], T0);
    await until(() => wakesB.includes('mail'));
    await a.patchCategory('mail', { paused: true });
    await until(() => wakesB.includes(undefined));
    wakesB.length = 0;
    await a.publishAllocation({ a: { mail: 1 }, b: { mail: 2 } }, T0);
    await until(() => allocationsB === 1);
    expect((await b.nodes(T0)).map((n) => n.allocation)).toEqual([{ mail: 1 }, { mail: 2 }]);
    // Promotion and requeues are work too.
    wakesB.length = 0;
    await a.submit([spec({ category: 'later', runAtMs: T0 + 10 })], T0);
    await a.promoteDue(T0 + 10);
    await until(() => wakesB.includes('later'));
    await pause(100);
    expect(wakesA).toEqual([]);
    expect(allocationsA).toBe(0);
    expect(allocationsB).toBe(1);
  });

  it('tell the node that runs a job of its cancel', async () => {
    const a = await node('a');
    const b = await node('b');
    const cancelledA: string[] = [];
    const cancelledB: string[] = [];
    a.on('cancelled', (id) => cancelledA.push(id));
    b.on('cancelled', (id) => cancelledB.push(id));
    await b.submit([spec()], T0);
    const [running] = await a.claim('default', 1, T0 + 1);
    await b.cancel(running!.id, T0 + 2);
    await until(() => cancelledA.includes(running!.id));
    expect(cancelledB).toEqual([running!.id]);
    await pause(100);
    expect(cancelledA).toEqual([running!.id]);
  });
});

describe('schemas', () => {
  it('keep clusters apart in one database', async () => {
    const a = await node('a');
    const other = db.schemaName();
    const elsewhere = await openNode({ connectionString: db.url, schema: other }, 'a');
    try {
      const wakes: (string | undefined)[] = [];
      elsewhere.on('wake', (c) => wakes.push(c));
      await a.submit([spec()], T0);
      expect(await elsewhere.counts()).toEqual({});
      expect(await elsewhere.claim('default', 1, T0)).toEqual([]);
      await pause(200);
      expect(wakes).toEqual([]);
    } finally {
      await elsewhere.close();
      await dropSchema(db.url, other);
    }
  });
});

describe('flows', () => {
  /** Two members, completed by two nodes, and their chord (in category `cb`). */
  const chord = (i: number): JobSpec[] => [
    spec({ input: i, maxRetries: 0, flowRole: 'member' }),
    spec({ input: i, maxRetries: 0, flowRole: 'member' }),
    spec({
      input: null,
      category: 'cb',
      flowRole: 'chord',
      parents: [0, 1],
      trigger: { on: 'success', pass: 'results' },
    }),
  ];

  it('fire a chord exactly once when two nodes complete its two members at the same moment', async () => {
    const a = await node('a');
    const b = await node('b');
    const fired: string[] = [];
    for (const backend of [a, b]) {
      backend.on('change', (job: Job, previous: JobState | null) => {
        if (job.flowRole === 'chord' && previous === 'waiting') fired.push(job.id);
      });
    }
    for (let i = 0; i < 60; i++) {
      const [m0, m1, z] = (await a.submit(chord(i), T0 + i)).map((r) => r.job);
      const [onA] = await a.claim('default', 1, T0 + i);
      const [onB] = await b.claim('default', 1, T0 + i);
      expect([onA!.id, onB!.id]).toEqual([m0!.id, m1!.id]);
      const ok = (value: string) => ({ kind: 'ok', value }) as const;
      await Promise.all([
        a.complete({ id: onA!.id, attempt: 1, outcome: ok(`a${i}`), retryDelayMs: 0 }, T0 + i),
        b.complete({ id: onB!.id, attempt: 1, outcome: ok(`b${i}`), retryDelayMs: 0 }, T0 + i),
      ]);
      expect(fired).toEqual([z!.id]);
      fired.length = 0;
      expect(await a.get(z!.id)).toMatchObject({ state: 'queued', input: [[`a${i}`, `b${i}`]] });
    }
    expect((await a.counts()).cb).toMatchObject({ queued: 60, waiting: 0 });
  });

  it("wake the other nodes for a callback fired by a node's completion", async () => {
    const a = await node('a');
    const b = await node('b');
    const wakes: (string | undefined)[] = [];
    b.on('wake', (c) => wakes.push(c));
    const [, next] = (
      await a.submit(
        [
          spec({ maxRetries: 0 }),
          spec({ category: 'next', parents: [0], trigger: { on: 'success', pass: 'result' } }),
        ],
        T0,
      )
    ).map((r) => r.job);
    const [running] = await a.claim('default', 1, T0 + 1);
    await until(() => wakes.includes('default'));
    wakes.length = 0;
    const ok = { kind: 'ok', value: 7 } as const;
    await a.complete({ id: running!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 2);
    await until(() => wakes.includes('next'));
    const [claimed] = await b.claim('next', 1, T0 + 3);
    expect(claimed).toMatchObject({ id: next!.id, input: [7], node: 'b' });
  });
});

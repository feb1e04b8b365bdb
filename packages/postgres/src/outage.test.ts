/** The database out of reach, connections broken: the backend reports it, keeps outcomes, recovers. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCadreError } from '@cadre/core';
import type { JobSpec } from '@cadre/store';
import type { PostgresBackend } from './postgres-backend.js';
import { T0, openNode, pause, until } from './test-support/nodes.js';
import { dropSchema, sql } from './test-support/schemas.js';
import { TcpProxy } from './test-support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

let db: TestDatabase;
let schema: string;
let proxy: TcpProxy;
let nodes: PostgresBackend[];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  schema = db.schemaName();
  proxy = await TcpProxy.start(db.url);
  nodes = [];
});
afterEach(async () => {
  await proxy.restore().catch(() => undefined);
  await Promise.all(nodes.map((n) => n.close()));
  await proxy.cut();
  await dropSchema(db.url, schema);
});

/** A node whose connections all go through the proxy. */
const node = async (name: string, options: { closeTimeoutMs?: number } = {}) => {
  const b = await openNode({ connectionString: proxy.url(db.url), schema, ...options }, name);
  nodes.push(b);
  return b;
};

const spec = (): JobSpec => ({
  key: null,
  category: 'default',
  task: 'echo',
  input: 1,
  maxRetries: 1,
  timeoutMs: null,
  runAtMs: null,
});

const codeOf = async (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(
    () => null,
    (err: unknown) => (isCadreError(err) ? err.code : String(err)),
  );

const ok = { kind: 'ok', value: 'done' } as const;

describe('an outage', () => {
  it('fails verbs with ERR_STORE_UNAVAILABLE, keeps outcomes until they land, and ends with a wake', async () => {
    const b = await node('a');
    const states: boolean[] = [];
    const wakes: (string | undefined)[] = [];
    b.on('unavailable', (down) => states.push(down));
    b.on('wake', (category) => wakes.push(category));
    await b.submit([spec(), spec(), spec()], T0);
    const [first, second] = await b.claim('default', 2, T0 + 1);

    await proxy.cut();
    expect(await codeOf(b.claim('default', 1, T0 + 2))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await codeOf(b.submit([spec()], T0 + 2))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await codeOf(b.heartbeat({ running: 2, finished: {}, throughput: {} }, T0 + 2))).toBe(
      'ERR_STORE_UNAVAILABLE',
    );
    await until(() => states.includes(true));
    let landed = false;
    const completed = b
      .complete({ id: first!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 3)
      .finally(() => (landed = true));
    const interrupted = b.interrupt([{ id: second!.id, attempt: 1 }], T0 + 3);
    await pause(400);
    expect(landed).toBe(false);

    await proxy.restore();
    expect(await completed).toMatchObject({ id: first!.id, state: 'succeeded', result: 'done' });
    await interrupted;
    await until(() => states.at(-1) === false);
    expect(states).toEqual([true, false]);
    expect(wakes).toContain(undefined);
    expect((await b.claim('default', 5, T0 + 4)).length).toBe(2);
  });

  it('lets close give up on what it cannot write; the node queues it again at its next start', async () => {
    const b = await node('a', { closeTimeoutMs: 200 });
    await b.submit([spec()], T0);
    const [running] = await b.claim('default', 1, T0 + 1);
    await proxy.cut();
    const pending = codeOf(
      b.complete({ id: running!.id, attempt: 1, outcome: ok, retryDelayMs: 0 }, T0 + 2),
    );
    await b.close();
    expect(await pending).toBe('ERR_STORE_UNAVAILABLE');
    await proxy.restore();
    // It could not say it left: its name is free once it has been silent for the timeout.
    await pause(150);
    const again = await openNode({ connectionString: db.url, schema }, 'a', {
      nodeTimeoutMs: 100,
      now: T0 + 3,
    });
    nodes.push(again);
    expect((await again.get(running!.id))!.lastError?.kind).toBe('lost');
  });
});

describe('broken connections', () => {
  const terminate = (...applicationNames: string[]) =>
    sql(
      db.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = ANY($1) AND datname = current_database()`,
      [applicationNames],
    );

  it('the LISTEN connection comes back, says so, and notifications flow again', async () => {
    const a = await node('a');
    const b = await node('b');
    const states: boolean[] = [];
    const wakes: (string | undefined)[] = [];
    a.on('unavailable', (down) => states.push(down));
    a.on('wake', (category) => wakes.push(category));
    await terminate('cadre a listen');
    await until(() => states.at(-1) === false && wakes.includes(undefined));
    expect(states).toEqual([true, false]);
    await b.submit([{ ...spec(), category: 'after' }], T0);
    await until(() => wakes.includes('after'));
  });

  it('pooled connections that break are replaced without crashing the process', async () => {
    const a = await node('a');
    await a.submit([spec()], T0);
    await a.claim('default', 1, T0);
    await a.submit([spec()], T0);
    const killed = await terminate('cadre a', 'cadre a claim');
    expect(killed.length).toBeGreaterThanOrEqual(2);
    // The first verb may meet a broken connection; the pool replaces it.
    const counts = await until(async () => {
      try {
        return await a.counts();
      } catch (err) {
        expect(isCadreError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
        return undefined;
      }
    });
    expect(counts.default!.queued).toBe(1);
    const claimed = await until(() => a.claim('default', 1, T0 + 1).catch(() => undefined));
    expect(claimed).toHaveLength(1);
  });
});

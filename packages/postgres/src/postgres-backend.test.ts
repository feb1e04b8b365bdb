/** What is PostgreSQL's own: options, data the database is picky about, times at the edges. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCadreError, transition } from '@cadre/core';
import type { JobSpec } from '@cadre/store';
import { PostgresBackend, createPostgresBackend } from './postgres-backend.js';
import { T0, openNode } from './test-support/nodes.js';
import { dropSchema } from './test-support/schemas.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

describe('options', () => {
  const url = 'postgres://postgres@127.0.0.1:5432/postgres';
  it.each([
    [{ connectionString: '' }, 'options.connectionString must be a non-empty string'],
    [
      { connectionString: url, schema: 'Bad-Name' },
      'options.schema must be lower-case letters, digits and _, not starting with a digit, at most 40',
    ],
    [
      { connectionString: url, schema: 'x'.repeat(41) },
      'options.schema must be lower-case letters, digits and _, not starting with a digit, at most 40',
    ],
    [{ connectionString: url, poolSize: 0 }, 'options.poolSize must be a positive integer'],
    [
      { connectionString: url, closeTimeoutMs: -1 },
      'options.closeTimeoutMs must be a non-negative number',
    ],
  ])('refuses %o', (options, message) => {
    expect(() => createPostgresBackend(options)).toThrow(message);
  });

  it('answers as a postgres backend that readers poll', () => {
    const backend = createPostgresBackend({ connectionString: url });
    expect(backend).toBeInstanceOf(PostgresBackend);
    expect([backend.kind, backend.pollMs]).toEqual(['postgres', 200]);
  });

  it('fails to open with ERR_STORE_UNAVAILABLE when the database cannot be reached', async () => {
    const backend = createPostgresBackend({
      connectionString: 'postgres://postgres@127.0.0.1:1/x',
    });
    const err: unknown = await backend
      .open({
        node: { name: 'a', tags: [], workers: 1 },
        limits: {
          maxQueuedTotal: null,
          maxQueued: {},
          retention: { maxAgeMs: 1, maxCount: 1, failed: { maxAgeMs: 1, maxCount: 1 } },
        },
        nodeTimeoutMs: 1000,
        now: T0,
      })
      .catch((e: unknown) => e);
    expect(isCadreError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
  });
});

describe('data', () => {
  let db: TestDatabase;
  let schema: string;
  let backend: PostgresBackend;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    schema = db.schemaName();
    backend = await openNode({ connectionString: db.url, schema }, 'a');
  });
  afterEach(async () => {
    await backend.close();
    await dropSchema(db.url, schema);
  });

  const spec = (patch: Partial<JobSpec> = {}): JobSpec => ({
    key: null,
    category: 'default',
    task: 'echo',
    input: null,
    maxRetries: 1,
    timeoutMs: 30_000,
    runAtMs: null,
    ...patch,
  });

  const iso = (ms: number): string => new Date(ms).toISOString();

  const codeOf = async (promise: Promise<unknown>): Promise<string | null> =>
    promise.then(
      () => null,
      (err: unknown) => (isCadreError(err) ? err.code : String(err)),
    );

  it('keeps what jsonb would refuse or reorder: NUL characters, key order', async () => {
    const input = { b: 'a\u0000b', a: ['\u0000'], 'key\u0000': 1 };
    const [r] = await backend.submit([spec({ input })], T0);
    expect(JSON.stringify((await backend.get(r!.job.id))!.input)).toBe(JSON.stringify(input));
    const [running] = await backend.claim('default', 1, T0);
    const failed = await backend.complete(
      {
        id: running!.id,
        attempt: 1,
        outcome: { kind: 'error', message: 'bad \u0000 byte', retryable: false },
        retryDelayMs: 0,
      },
      T0 + 1,
    );
    expect((await backend.get(running!.id))!.lastError).toEqual(failed!.lastError);
    expect(failed!.lastError!.message).toBe('bad \u0000 byte');
  });

  it('refuses, as ERR_VALIDATION and all or none, data it cannot store', async () => {
    expect(await codeOf(backend.submit([spec(), spec({ input: { n: 1n } as never })], T0))).toBe(
      'ERR_VALIDATION',
    );
    expect(await codeOf(backend.submit([spec(), spec({ key: 'nul\u0000key' })], T0))).toBe(
      'ERR_VALIDATION',
    );
    expect(await backend.counts()).toEqual({});
    expect(await backend.submit([spec()], T0)).toHaveLength(1);
  });

  it('keeps times at the edges of what a Date holds', async () => {
    await backend.submit([spec()], T0);
    const [running] = await backend.claim('default', 1, T0 + 0.5);
    const outcome = {
      kind: 'error',
      message: 'much later',
      retryable: true,
      retryAfterMs: 1e300,
    } as const;
    const retrying = await backend.complete(
      { id: running!.id, attempt: 1, outcome, retryDelayMs: 0 },
      T0 + 999,
    );
    expect(retrying).toEqual(
      transition(running!, { type: 'settle', outcome, retryDelayMs: 0 }, T0 + 999),
    );
    expect(retrying!.runAt).toBe('+275760-09-13T00:00:00.000Z');
    expect(await backend.get(running!.id)).toEqual(retrying);
    expect(await backend.promoteDue(T0 + 1000)).toBe(8.64e15);
  });

  it('stamps a claim given a clock as it runs: the clock as the claim is sent, or the database clock as it runs, the later', async () => {
    await backend.submit([spec(), spec(), spec({ category: 'limited' })], T0);
    // A clock ahead of the database's (another machine's): it is read as the claim is sent.
    const ahead = Date.now() + 60_000;
    let now = ahead;
    const clock = () => now;
    const plain = backend.claim('default', 1, clock);
    const limited = backend.claimLimited('limited', 1, { max: 5, perMs: 1000 }, clock);
    // Neither has a connection yet: the time passes while they wait for one.
    now = ahead + 500;
    const [a] = await plain;
    const [b] = (await limited).jobs;
    expect([a!.startedAt, b!.startedAt]).toEqual([ahead + 500, ahead + 500].map(iso));
    expect(await backend.get(a!.id)).toEqual(a);
    expect(await backend.get(b!.id)).toEqual(b);
    // A clock behind it: the database's time as the claim ran (this machine's clock too).
    const before = Date.now();
    const [c] = await backend.claim('default', 1, () => T0);
    const at = Date.parse(c!.startedAt!);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(await backend.get(c!.id)).toEqual(c);
  });

  it('submits a large batch whole, each job in order', async () => {
    const results = await backend.submit(
      Array.from({ length: 5000 }, (_, i) => spec({ input: i, key: `k${i}` })),
      T0,
    );
    expect(results.every((r) => r.created)).toBe(true);
    const claimed = await backend.claim('default', 5000, T0);
    expect(claimed.map((j) => j.input)).toEqual(results.map((_, i) => i));
  });
});

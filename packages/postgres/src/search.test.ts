/**
 * Search on PostgreSQL (migration 6): the trigram index serves `list({ q })`,
 * and the pg_trgm extension is created safely by schemas that migrate at
 * once in one database, or found where another schema holds it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '@cadre/store';
import { Names } from './names.js';
import type { PostgresBackend } from './postgres-backend.js';
import { listStatement } from './sql/read.js';
import { T0, openNode } from './test-support/nodes.js';
import { sql } from './test-support/schemas.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

const spec = (input: unknown): JobSpec => ({
  key: null,
  category: 'default',
  task: 'echo',
  input: input as JobSpec['input'],
  maxRetries: 0,
  timeoutMs: null,
  runAtMs: null,
});

describe('search on PostgreSQL', () => {
  let db: TestDatabase | null = null;
  let open: PostgresBackend[] = [];

  afterEach(async () => {
    for (const backend of open) await backend.close();
    open = [];
    await db?.drop();
    db = null;
  });

  it('creates pg_trgm once when several schemas migrate at once, and each can search', async () => {
    db = await createTestDatabase();
    const url = db.url;
    const schemas = Array.from({ length: 4 }, () => db!.schemaName());
    open = await Promise.all(
      schemas.map((schema, i) => openNode({ connectionString: url, schema }, `n${i}`)),
    );
    const [ext] = await sql<{ n: number }>(
      url,
      `SELECT count(*)::integer AS n FROM pg_extension WHERE extname = 'pg_trgm'`,
    );
    expect(ext!.n).toBe(1);
    for (const [i, backend] of open.entries()) {
      const [made] = await backend.submit([spec({ word: `Needle${i}` })], T0);
      expect((await backend.list({ q: `needle${i}` })).jobs.map((j) => j.id)).toEqual([
        made!.job.id,
      ]);
    }
  });

  it('uses pg_trgm where another schema installed it, whatever the search_path', async () => {
    db = await createTestDatabase();
    const url = db.url;
    await sql(url, `CREATE SCHEMA elsewhere`);
    await sql(url, `CREATE EXTENSION pg_trgm WITH SCHEMA elsewhere`);
    const schema = db.schemaName();
    const backend = await openNode({ connectionString: url, schema }, 'a');
    open.push(backend);
    const [made] = await backend.submit([spec('find ME here')], T0);
    expect((await backend.list({ q: 'me HERE' })).jobs.map((j) => j.id)).toEqual([made!.job.id]);
    const [index] = await sql<{ def: string }>(
      url,
      `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND indexname = 'jobs_search'`,
      [schema],
    );
    expect(index!.def).toContain('elsewhere.gin_trgm_ops');
  });

  it('answers a search of finished jobs from the trigram index, and finds unfinished ones too', async () => {
    db = await createTestDatabase();
    const url = db.url;
    const schema = db.schemaName();
    const backend = await openNode({ connectionString: url, schema }, 'a');
    open.push(backend);
    for (let i = 0; i < 10; i++) {
      const made = await backend.submit(
        Array.from({ length: 1000 }, (_, k) => spec({ n: i * 1000 + k, text: 'ordinary' })),
        T0 + i,
      );
      await backend.bulk(
        made.map((m) => m.job.id),
        'cancel',
        T0 + i,
      );
    }
    const [rare] = await backend.submit([spec({ text: 'a rare Xylophone' })], T0 + 30);
    await backend.bulk([rare!.job.id], 'cancel', T0 + 30);
    const [queued] = await backend.submit([spec({ text: 'a queued xylophone' })], T0 + 31);
    await sql(url, `ANALYZE "${schema}".jobs`);
    const found = await backend.list({ q: 'XYLOPHONE' });
    expect(found.jobs.map((j) => j.id)).toEqual([queued!.job.id, rare!.job.id]);
    expect(found.jobs.map((j) => j.state)).toEqual(['queued', 'cancelled']);

    const { text, values } = listStatement(new Names(schema), { q: 'xylophone' });
    const plan = await sql<{ 'QUERY PLAN': string }>(url, `EXPLAIN ${text}`, values);
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('jobs_search');
  });
});

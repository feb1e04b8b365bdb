/**
 * A fresh PostgreSQL database per measurement, so that no run inherits
 * another's tables, bloat or statistics; dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server to create databases on, reached through its maintenance database. */
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
}

/** Runs `fn` on a fresh database and drops it (ending any connection left on it), whatever happens. */
export async function withDatabase<T>(
  label: string,
  fn: (db: BenchDatabase) => Promise<T>,
): Promise<T> {
  const name = `cadre_bench_${label}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return await fn({ name, url: url.href });
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** `server_version` of the PostgreSQL the bench runs on. */
export async function serverVersion(): Promise<string> {
  const [row] = await admin('SHOW server_version');
  return String(row?.server_version ?? '?');
}

async function admin(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at ${redact(ADMIN_URL)} (set BENCH_DATABASE_URL): ${(err as Error).message}`,
    );
  }
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.href;
}

/**
 * A fresh PostgreSQL database per measurement, so that no run inherits
 * another's tables, bloat or statistics; dropped afterwards.
 */
import { adminQuery, createScratchDatabase, type ScratchDatabase } from '@cadre/postgres';

/** The server to create databases on, reached through its maintenance database. */
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `fn` on a fresh database and drops it (ending any connection left on it), whatever happens. */
export async function withDatabase<T>(
  label: string,
  fn: (db: ScratchDatabase) => Promise<T>,
): Promise<T> {
  const db = await createScratchDatabase(ADMIN_URL, `bench_${label}`);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

/** `server_version` of the PostgreSQL the bench runs on. */
export async function serverVersion(): Promise<string> {
  const [row] = await adminQuery(ADMIN_URL, 'SHOW server_version');
  return String(row?.server_version ?? '?');
}

import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import pg from 'pg';
import { findPostgresBin, startThrowawayPostgres } from './throwaway-server.js';

// Needs PostgreSQL's binaries, as the project's machines have (TOOLCHAIN.md).
it('starts a server of its own that takes connections, and stops it without a trace', async () => {
  expect(findPostgresBin()).not.toBeNull();
  const server = await startThrowawayPostgres();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const [settings] = (
    await client.query<{ fsync: string; dir: string }>(
      `SELECT current_setting('fsync') AS fsync, current_setting('data_directory') AS dir`,
    )
  ).rows;
  await client.end();
  expect(settings!.fsync).toBe('on');
  expect(existsSync(settings!.dir)).toBe(true);
  await server.stop();
  expect(existsSync(settings!.dir)).toBe(false);
  const late = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 2000 });
  late.on('error', () => undefined);
  await expect(late.connect()).rejects.toThrow();
}, 60_000);

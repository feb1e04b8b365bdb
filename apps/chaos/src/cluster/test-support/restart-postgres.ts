/**
 * Restarts the PostgreSQL server behind `url` the way an operator would
 * (`pg_ctl restart -m fast`: connections are cut, the server comes back on
 * the same port with the options it was started with). Only for a server of
 * the test's own (startThrowawayPostgres): restarting a shared one would cut
 * every other test using it.
 */
import { execFile } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export async function restartPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let dataDir: string;
  try {
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    dataDir = rows[0]!.data_directory;
  } finally {
    await client.end();
  }
  // The pg_ctl of the very binaries that run the server: the postmaster's pid is the file's first line.
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const bin = dirname(realpathSync(`/proc/${pid}/exe`));
  // PostgreSQL refuses to run as root: as root, act as the owner of the data directory.
  const { uid, gid } = statSync(dataDir);
  const as = process.getuid?.() === 0 ? { uid, gid } : {};
  await run(
    join(bin, 'pg_ctl'),
    [
      'restart',
      '-D',
      dataDir,
      '-m',
      'fast',
      '-w',
      '-t',
      '60',
      '-s',
      '-l',
      join(dataDir, 'restart.log'),
    ],
    as,
  );
}

/**
 * A PostgreSQL server of its own, for demos and tests on machines that have
 * PostgreSQL's binaries but no running server: `initdb` in a fresh temporary
 * directory, `pg_ctl start` on a free port of 127.0.0.1 with trust auth and
 * its unix socket inside that directory (fsync stays on: what runs on it
 * behaves as it would on a real server). `stop()` stops it and removes the
 * directory; a process that exits without calling it stops the server too.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  stop(): Promise<void>;
}

/** Where Debian (apt-get install postgresql) puts the binaries, newest major first. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The directory holding `initdb` and `pg_ctl`: on PATH, else Debian's newest. */
export function findPostgresBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  if (!existsSync(DEBIAN_ROOT)) return null;
  const majors = readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const dir = join(DEBIAN_ROOT, major, 'bin');
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

/** initdb refuses to run as root: then the server runs as the `postgres` user. */
async function serverUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'startThrowawayPostgres: PostgreSQL will not run as root and there is no `postgres` user; ' +
        'run as another user, or create one (apt-get install postgresql does)',
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = findPostgresBin();
  if (bin === null) {
    throw new Error(
      'startThrowawayPostgres: no PostgreSQL binaries (initdb, pg_ctl) on PATH or under ' +
        `${DEBIAN_ROOT}/*/bin; install them (Debian: apt-get install postgresql) ` +
        'or point cadre at a running server',
    );
  }
  const user = await serverUser();
  const root = await mkdtemp(join(tmpdir(), 'cadre-pg-'));
  const data = join(root, 'data');
  const socketDir = join(root, 'socket');
  await mkdir(socketDir);
  if (user) {
    await chown(root, user.uid, user.gid);
    await chown(socketDir, user.uid, user.gid);
  }
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const pgCtl = join(bin, 'pg_ctl');
  // Stops a server this process left running (a test that failed before stop()).
  const onExit = () => {
    spawnSync(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-s'], { ...as, stdio: 'ignore' });
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8'], {
      ...as,
      env: { ...process.env, LC_ALL: 'C' },
    });
    // A port taken between freePort() and the start is retried with another one.
    for (let tries = 1; ; tries++) {
      const port = await freePort();
      const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=on`;
      try {
        await run(
          pgCtl,
          [
            'start',
            '-D',
            data,
            '-w',
            '-t',
            '60',
            '-s',
            '-o',
            options,
            '-l',
            join(root, 'server.log'),
          ],
          as,
        );
      } catch (err) {
        if (tries < 3) continue;
        throw err;
      }
      process.once('exit', onExit);
      const stop = async () => {
        process.removeListener('exit', onExit);
        await run(pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-s'], as).catch(() => undefined);
        await rm(root, { recursive: true, force: true });
      };
      return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
    }
  } catch (err) {
    onExit();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`startThrowawayPostgres: could not start PostgreSQL from ${bin}: ${why}`, {
      cause: err,
    });
  }
}

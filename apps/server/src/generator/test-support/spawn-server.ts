/**
 * Runs the built server (`dist/main.js`) as a child process on a free port
 * with a fresh data directory, as a user would start it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));

export interface SpawnedServer {
  url: string;
  /** SIGTERM, then waits for the exit; removes the data directory. */
  stop(): Promise<void>;
}

export async function spawnServer(
  env: Record<string, string> = {},
  readyWithinMs = 20_000,
): Promise<SpawnedServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cadre-gen-'));
  const child: ChildProcess = spawn(process.execPath, [join(SERVER_DIST, 'main.js')], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      CADRE_DATA: dataDir,
      CADRE_WORKERS: '2',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`the server did not log its URL within ${readyWithinMs} ms:\n${log}`)),
        readyWithinMs,
      );
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const match = /listening on (http:\/\/[^\s"]+)/.exec(log);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before it was ready:\n${log}`));
      });
    });
    return {
      url,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Runs the built entry point (`dist/main.js`) or the `cadre` command
 * (`dist/cli.js`) as a child process on a data directory the test owns,
 * capturing everything it writes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './test-server.js';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const mainJs = join(serverDir, 'dist', 'main.js');
const cliJs = join(serverDir, 'dist', 'cli.js');

/** `npm test` builds first (turbo); a bare `vitest run` may not have. */
export function ensureBuilt(): void {
  if (!existsSync(mainJs)) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: serverDir, stdio: 'inherit' });
  }
}

export interface MainProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** The URL from the ready line. */
  ready(): Promise<string>;
}

export function spawnMain(env: Record<string, string>): MainProcess {
  return spawnNode([mainJs], { env });
}

/** `cadre ARGS…` in `cwd`, with only PATH, PORT=0 and CADRE_WORKERS=2 inherited. */
export function spawnCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): MainProcess {
  return spawnNode([cliJs, ...args], options);
}

function spawnNode(
  args: string[],
  { cwd, env = {} }: { cwd?: string; env?: Record<string, string> },
): MainProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', CADRE_WORKERS: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => out,
    exited,
    async ready() {
      const match = await until(
        () => /cadre listening on (http:\/\/[^\s"]+)/.exec(out),
        (m) => m !== null || child.exitCode !== null,
        30_000,
      );
      if (match === null) throw new Error(`the server exited early:\n${out}`);
      return match[1]!;
    },
  };
}

/**
 * The cadre server as a child process: started with its own environment,
 * ready once it logs its URL, and stopped with a signal. Every child is kept
 * in one set so that a failing run, or a Ctrl-C, never leaves one behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LISTENING = /cadre listening on (http:\/\/[^\s"]+)/;

export interface ServerOptions {
  /** Path of the config file (CADRE_CONFIG). */
  config: string;
  /** CADRE_DATA. */
  dataDir: string;
  /** CADRE_WORKERS; unset = the server's default. */
  workers?: number;
  /**
   * Further variables, e.g. what the chaos tasks read, or cluster mode's
   * (CADRE_DATABASE_URL, CADRE_NODE, …): those of cluster mode are cleared
   * otherwise, so that a variable of the caller's shell never turns a local
   * run into a cluster node.
   */
  env?: Record<string, string>;
  /** How long to wait for the listening line. @defaultValue 30000 */
  readyTimeoutMs?: number;
}

export interface ServerChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The URL from the listening line; rejects if the process exits or times out first. */
  readonly ready: Promise<string>;
  /** The last lines of output, for error messages. */
  tail(): string;
  /** Sends `signal` (if still running) and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Cluster mode's variables, blank: the server then runs in local mode. */
const LOCAL_MODE: Record<string, string> = {
  CADRE_DATABASE_URL: '',
  CADRE_DATABASE_SCHEMA: '',
  CADRE_NODE: '',
  CADRE_NODE_TAGS: '',
  CADRE_LEASE_MS: '',
  CADRE_NODE_TIMEOUT_MS: '',
};

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every child still running (SIGKILL: used on the way out, when nothing else matters). */
export function killAllServers(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** A Ctrl-C of the chaos or soak run must not orphan a server holding its data dir. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAllServers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllServers();
      process.exit(130);
    });
  }
}

/** apps/server/dist/main.js, found through the package so that no relative path is assumed. */
export function serverMainPath(): string {
  const index = createRequire(import.meta.url).resolve('@cadre/server');
  return join(dirname(index), 'main.js');
}

/** A file of apps/chaos/chaos-config, the same from src/ (vitest) and dist/ (node). */
export function chaosConfigPath(name: string): string {
  return fileURLToPath(new URL(`../chaos-config/${name}`, import.meta.url));
}

export function startServer(options: ServerOptions): ServerChild {
  hookExit();
  const child = spawn(process.execPath, [serverMainPath()], {
    env: {
      ...process.env,
      ...LOCAL_MODE,
      ...options.env,
      PORT: '0',
      HOST: '127.0.0.1',
      CADRE_DATA: options.dataDir,
      CADRE_CONFIG: options.config,
      ...(options.workers === undefined ? {} : { CADRE_WORKERS: String(options.workers) }),
      CADRE_TOKEN: '',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const ready = new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`server not ready after ${options.readyTimeoutMs ?? 30_000} ms`)),
      options.readyTimeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (lines.length > 40) lines.shift();
        const match = LISTENING.exec(line);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready`));
    });
  });
  // A kill before the server is ready is part of the chaos; nobody may be awaiting `ready` then.
  ready.catch(() => undefined);
  return {
    pid: child.pid!,
    process: child,
    exited,
    ready,
    tail: () => lines.join('\n'),
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Sends `signal` and waits for the exit, with SIGKILL after `ms`. */
export async function stopWithin(
  server: ServerChild,
  signal: NodeJS.Signals,
  ms: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => server.process.kill('SIGKILL'), ms);
  try {
    return await server.stop(signal);
  } finally {
    clearTimeout(timer);
  }
}

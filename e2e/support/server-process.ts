/**
 * One local server as a child process of `apps/server/dist/main.js`, for the
 * specs that must stop and start it themselves (the suite's servers run for
 * the whole run): a fixed port and data directory, so that a restart finds
 * what the previous process left. `stop()` is a graceful SIGTERM. The
 * cluster's nodes (cluster.ts) are started the same way, by `spawnServer`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));
const LISTENING = /cadre listening on (http:\/\/[^\s"]+)/;
const UP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

export function startServerProcess(options: {
  port: number;
  dataDir: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  return spawnServer('server', {
    // Nothing of the caller's shell may change the server under test.
    CADRE_DATABASE_URL: '',
    CADRE_TOKEN: '',
    CADRE_CONFIG: '',
    CADRE_BALANCE_MS: '250',
    CADRE_WORKERS: '2',
    ...options.env,
    CADRE_DATA: options.dataDir,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    NO_COLOR: '1',
  });
}

/**
 * Starts `apps/server/dist/main.js` with `env` over this process's own
 * environment; resolves once it logs that it listens, rejects (having
 * killed it) if it exits first or takes longer than UP_TIMEOUT_MS, with its
 * last lines of output. `label` names it in that error.
 */
export function spawnServer(label: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) child.kill('SIGTERM');
    const timer = setTimeout(() => running() && child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const kill = async () => {
    if (running()) child.kill('SIGKILL');
    await exited;
  };
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void kill().then(() => reject(new Error(`${label} ${why}:\n${lines.join('\n')}`)));
    };
    const timer = setTimeout(() => fail(`not listening after ${UP_TIMEOUT_MS} ms`), UP_TIMEOUT_MS);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (lines.length > 40) lines.shift();
        const url = LISTENING.exec(line)?.[1];
        if (url !== undefined) {
          clearTimeout(timer);
          resolve({ url, process: child, stop, kill });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => fail('exited before it listened'));
  });
}

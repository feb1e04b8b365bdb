/** Child processes for the install tests: commands run as a user would, output kept. */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The environment of a user's shell: ours without what npm and turbo set for
 * the script that runs this test, plus npm settings that keep installs on the
 * cache when they can (what `--prefer-offline --no-audit --no-fund` say).
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|TURBO_|INIT_CWD$|VITEST|NODE_ENV$)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    TURBO_TELEMETRY_DISABLED: '1',
    NO_COLOR: '1',
    ...extra,
  };
}

export interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Once every process holding its stdout and stderr has ended. */
  closed: Promise<void>;
}

export function start(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; detached?: boolean },
): Running {
  const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      out += `\n${err.message}`;
      resolve(null);
    });
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, output: () => out, exited, closed };
}

/** Runs a shell command line to its end; throws with its output unless it exits with `expectCode`. */
export async function run(
  command: string,
  options: { cwd: string; env: Record<string, string> },
  expectCode = 0,
): Promise<string> {
  const started = start('sh', ['-c', command], options);
  const code = await started.exited;
  if (code !== expectCode) {
    throw new Error(`'${command}' in ${options.cwd} exited ${code}:\n${started.output()}`);
  }
  return started.output();
}

/** Polls until `read` gives a value `done` accepts, or throws after `timeoutMs`. */
export async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms: ${String(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

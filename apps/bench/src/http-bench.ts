/**
 * End to end over HTTP on loopback: the real server (`apps/server/dist/main.js`)
 * in its own process on the durable store, loaded by concurrent clients.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type CadreClient } from '@cadre/client';
import { CHECKED_INPUT } from './engine-bench.js';
import { percentile } from './percentiles.js';
import { stopChild } from './stop-child.js';
import { lastLoggedError } from './server-log.js';

/** Tasks `echo` and `checked` (echo behind an input schema), as in the engine section. */
const CONFIG = fileURLToPath(new URL('../http-config/cadre.config.json', import.meta.url));

/** How long a server may take to print that it listens, and to stop after SIGTERM. */
const READY_MS = 60_000;
const STOP_MS = 30_000;

export interface BenchServer {
  client: CadreClient;
  url: string;
  /** The server process's pid, for `kill -9`. */
  pid: number;
  /** Stops the process (SIGTERM, or nothing if it is gone) and removes a fresh data directory. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** A data directory to start on, left in place at close. @defaultValue a fresh one, removed at close */
  dataDir?: string;
  /** @defaultValue the server's own (CADRE_CONFIG, else its example) */
  configFile?: string;
  /** More variables (CADRE_DATABASE_URL, CADRE_NODE, PORT, …); they win over the defaults above. */
  env?: Record<string, string>;
}

export async function startServer(
  workers: number,
  options: StartServerOptions = {},
): Promise<BenchServer> {
  const main = join(dirname(createRequire(import.meta.url).resolve('@cadre/server')), 'main.js');
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cadre-bench-http-')));
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      CADRE_DATA: dir,
      CADRE_WORKERS: String(workers),
      CADRE_CONFIG: CONFIG,
      LOG_LEVEL: 'info',
      ...(options.configFile ? { CADRE_CONFIG: options.configFile } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`server not ready within ${READY_MS / 1000} s`)),
      READY_MS,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /cadre listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    // 'close', not 'exit': the last lines of stdout (its reason) may still be on their way at 'exit'.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const why = lastLoggedError(out);
      reject(
        new Error(
          `server exited with ${code ?? signal} before it was ready${why ? `: ${why}` : ''}`,
        ),
      );
    });
  }).catch(async (err: unknown) => {
    await stopChild(child, STOP_MS);
    if (options.dataDir === undefined) await rm(dir, { recursive: true, force: true });
    throw err;
  });
  child.stdout!.resume();
  return {
    client: createClient({ url }),
    url,
    pid: child.pid!,
    close: async () => {
      await stopChild(child, STOP_MS);
      if (options.dataDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `clients` loops submitting batches of `batch` jobs of `task` until `n` have succeeded; jobs/s. */
export async function httpRate(
  client: CadreClient,
  n: number,
  clients = 4,
  batch = 1000,
  task: 'echo' | 'checked' = 'echo',
): Promise<number> {
  const before = (await client.stats()).succeeded;
  const t0 = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (sent < n) {
        const size = Math.min(batch, n - sent);
        sent += size;
        await client.submit(Array.from({ length: size }, () => ({ task, input: CHECKED_INPUT })));
      }
    }),
  );
  while ((await client.stats()).succeeded - before < n) await new Promise((r) => setTimeout(r, 20));
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Submit → start latency (ms, server clock) of single-job requests while
 * batches keep the server at `rate` jobs/s (half of its capacity) for `seconds`.
 */
export async function httpStartLatency(
  client: CadreClient,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number; n: number }> {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const epoch = Date.now() - t0;
  const batch = 100;
  const load = (async () => {
    for (let i = 0; performance.now() < end; i++) {
      const due = t0 + ((i * batch) / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      void client.submit(Array.from({ length: batch }, () => ({ task: 'echo', input: null })));
    }
  })();
  const probes: { id: string; sentAt: number }[] = [];
  while (performance.now() < end) {
    const sentAt = epoch + performance.now();
    const job = await client.submit({ task: 'echo', input: null });
    probes.push({ id: job.id, sentAt });
    await new Promise((r) => setTimeout(r, 5));
  }
  await load;
  const latencies: number[] = [];
  for (const { id, sentAt } of probes) {
    const job = await client.get(id, { waitMs: 10_000 });
    if (job.startedAt) latencies.push(Date.parse(job.startedAt) - sentAt);
  }
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}

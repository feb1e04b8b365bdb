// @ts-check
// cadre's engine inside your own process: a durable store, the config, then
// submit jobs and wait for them. No HTTP server, no dashboard.
import { fileURLToPath } from 'node:url';
import { createEngine } from '@cadre/engine';
import { inspectTasks } from '@cadre/pool';
import { openLowdbStore } from '@cadre/store';

/** The engine takes a complete config: it fills in no defaults. @type {import('@cadre/core').EngineConfig} */
const config = {
  workers: 2,
  node: { name: 'local', tags: [] },
  cluster: { leaseMs: 3000, nodeTimeoutMs: 10_000 },
  balanceIntervalMs: 1000,
  categories: [
    {
      name: 'default',
      weight: 1,
      minWorkers: 0,
      maxWorkers: null,
      maxRetries: 3,
      backoff: { kind: 'exponential', baseMs: 200, maxMs: 10_000, jitter: 0.2 },
      timeoutMs: 60_000,
      maxQueued: null,
      tags: [],
    },
  ],
  tasks: [
    {
      name: 'thumbnail',
      module: fileURLToPath(new URL('./tasks/thumbnail.js', import.meta.url)),
      export: 'default',
      category: null,
      maxRetries: null,
      timeoutMs: null,
      inputSchema: null,
    },
  ],
  retention: {
    maxAgeMs: 3_600_000,
    maxCount: 10_000,
    failed: { maxAgeMs: 7 * 86_400_000, maxCount: 100_000 },
  },
  maxQueuedTotal: null,
  maxResultBytes: 1024 * 1024,
  resourceLimits: null,
};

// Optional, as `cadre start` does: load every task once, off this thread, and
// stop here if one cannot run, rather than when its first job does.
for (const task of await inspectTasks(config.tasks)) {
  if (!task.ok) throw new Error(`task '${task.name}' (${task.module}): ${task.reason}`);
}

// The data directory holds the jobs across restarts; one process at a time.
const store = await openLowdbStore({ dir: process.env.CADRE_DATA ?? 'data' });
const engine = createEngine({ config, store });
await engine.start();

const submitted = await engine.submit([
  { task: 'thumbnail', input: { url: 'https://example.com/cat.png', width: 200 } },
  { task: 'thumbnail', input: { url: 'https://example.com/cat.png', width: -1 } },
]);
for (const { job } of submitted) {
  const done = await engine.waitFor(job.id, 10_000);
  const outcome =
    done.state === 'succeeded' ? JSON.stringify(done.result) : done.lastError?.message;
  console.log(`job ${done.id} ${done.task} ${done.state}: ${outcome}`);
}

// Lets running jobs finish (up to graceMs), then flushes and closes the store.
await engine.stop({ graceMs: 5_000 });

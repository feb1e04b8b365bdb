/**
 * Claims ahead, as the engine makes them where a claim is a round trip: run
 * here on the local backend (a real one, over a real store) told to behave
 * as such a backend, so that what the dispatcher does is seen exactly.
 */
import { createPool } from '@cadre/pool';
import { LocalBackend, MemoryStore, type Backend } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from './engine.js';
import { category, config, until } from './test-support/harness.js';
import type { Job } from '@cadre/core';
import type { Engine } from './types.js';

class RoundTripBackend extends LocalBackend {
  override readonly claimsAhead = true;
  /** How many each claim asked for. */
  readonly asked: number[] = [];

  override claim(...args: Parameters<Backend['claim']>): ReturnType<Backend['claim']> {
    this.asked.push(args[1]);
    return super.claim(...args);
  }
}

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.stop({ graceMs: 0 });
  engine = null;
});

async function start(): Promise<{ engine: Engine; backend: RoundTripBackend }> {
  const backend = new RoundTripBackend({ store: new MemoryStore() });
  const cfg = config({ workers: 2, categories: [category('default', { maxRetries: 0 })] });
  engine = createEngine({
    config: cfg,
    backend,
    pool: (hooks) => createPool({ workers: 2, tasks: cfg.tasks, onProgress: hooks.onProgress }),
  });
  await engine.start();
  return { engine, backend };
}

describe('claims ahead', () => {
  it('claims more than the free threads once a category runs short jobs, and runs every job once', async () => {
    const { engine, backend } = await start();
    const n = 3000;
    const submitted = await engine.submit(
      Array.from({ length: n }, (_, i) => ({ task: 'echo', input: i })),
    );
    await until(async () => (await engine.stats()).succeeded === n, 30_000, 'every job done');
    // Two threads: without claims ahead no claim asks for more than 2.
    expect(Math.max(...backend.asked)).toBeGreaterThan(2);
    for (const r of submitted.slice(0, 50)) {
      expect(await engine.get(r.job.id)).toMatchObject({ state: 'succeeded', attempts: 1 });
    }
  });

  it('hands back what it claimed ahead when the category is paused, the attempt not counted', async () => {
    const { engine } = await start();
    await engine.submit(Array.from({ length: 2000 }, (_, i) => ({ task: 'echo', input: i })));
    await until(
      async () => (await engine.stats()).succeeded >= 1000,
      30_000,
      'a rate to claim ahead by',
    );
    await engine.submit(Array.from({ length: 50 }, () => ({ task: 'sleep', input: { ms: 200 } })));
    const handedBack: Job[] = [];
    engine.on('job:changed', (job, previous) => {
      if (previous === 'running' && job.state === 'queued') handedBack.push(job);
    });
    await until(async () => (await engine.stats()).running > 2, 10_000, 'jobs claimed ahead');
    await engine.patchCategory('default', { paused: true });
    // At most the two attempts on the threads go on; everything else is queued, none counted.
    await until(async () => (await engine.stats()).running === 0, 10_000, 'the threads to finish');
    expect(handedBack.length).toBeGreaterThan(0);
    for (const job of handedBack) {
      expect(job.lastError?.kind).toBe('interrupted');
      expect(job.attempts).toBe(0);
    }
    const queued = (await engine.list({ state: 'queued', limit: 1000 })).jobs;
    for (const job of queued) expect(job.attempts).toBe(0);
  });
});

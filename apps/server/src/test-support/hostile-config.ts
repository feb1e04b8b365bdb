/**
 * Adds a `hostile` category and the misbehaving tasks of hostile-tasks.js to
 * a config, with limits small enough that each misbehaviour ends quickly.
 */
import { fileURLToPath } from 'node:url';
import type { EngineConfig } from '@cadre/core';

export const HOSTILE_MODULE = fileURLToPath(new URL('./hostile-tasks.js', import.meta.url));
export const HOSTILE_TASKS = ['hog', 'hang', 'overflow', 'huge', 'quit'] as const;
export const HOSTILE_MAX_RESULT_BYTES = 64 * 1024;

export function addHostileTasks(config: EngineConfig): void {
  config.categories.push({
    name: 'hostile',
    weight: 1,
    minWorkers: 0,
    maxWorkers: 1,
    maxRetries: 0,
    backoff: { kind: 'fixed', baseMs: 10, maxMs: 10, jitter: 0 },
    timeoutMs: null,
    maxQueued: null,
    tags: [],
  });
  for (const name of HOSTILE_TASKS) {
    config.tasks.push({
      name,
      module: HOSTILE_MODULE,
      export: name,
      category: 'hostile',
      maxRetries: null,
      timeoutMs: null,
      inputSchema: null,
    });
  }
  config.maxResultBytes = HOSTILE_MAX_RESULT_BYTES;
  // Small, so that the allocating task hits the limit in well under a second.
  config.resourceLimits = { maxOldGenerationSizeMb: 32 };
}

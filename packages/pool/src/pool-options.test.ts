import { isCadreError } from '@cadre/core';
import { describe, expect, it } from 'vitest';
import { POOL_DEFAULTS, resolvePoolOptions, type PoolOptions } from './pool-options.js';

const valid: PoolOptions = { workers: 2, tasks: [{ name: 'echo', module: '/tasks/echo.js' }] };

function refusal(options: unknown): string {
  try {
    resolvePoolOptions(options as PoolOptions);
  } catch (err) {
    expect(isCadreError(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('the options were accepted');
}

describe('resolvePoolOptions', () => {
  it('fills in the defaults', () => {
    expect(resolvePoolOptions(valid)).toEqual({
      workers: 2,
      tasks: [{ name: 'echo', module: '/tasks/echo.js', export: 'default' }],
      resourceLimits: POOL_DEFAULTS.resourceLimits,
      maxResultBytes: 1024 * 1024,
      onProgress: null,
      abortGraceMs: 100,
      progressIntervalMs: 100,
    });
  });

  it('keeps the default memory limit beside other resource limits', () => {
    const resolved = resolvePoolOptions({ ...valid, resourceLimits: { stackSizeMb: 8 } });
    expect(resolved.resourceLimits).toEqual({ maxOldGenerationSizeMb: 512, stackSizeMb: 8 });
  });

  it.each<[string, unknown]>([
    ['options must be an object', null],
    ['options.workers must be a positive integer', { ...valid, workers: 0 }],
    ['options.tasks must be an array', { ...valid, tasks: {} }],
    ['options.tasks[0] must be an object', { ...valid, tasks: ['echo'] }],
    [
      'options.tasks[0].name must be a non-empty string',
      { ...valid, tasks: [{ name: '', module: '/a.js' }] },
    ],
    [
      "options.tasks[1].name 'echo' is already registered",
      { ...valid, tasks: [...valid.tasks, { name: 'echo', module: '/b.js' }] },
    ],
    [
      'options.tasks[0].module must be an absolute path',
      { ...valid, tasks: [{ name: 'echo', module: './echo.js' }] },
    ],
    [
      'options.tasks[0].export must be a non-empty string',
      { ...valid, tasks: [{ name: 'echo', module: '/a.js', export: '' }] },
    ],
    ['options.resourceLimits must be an object', { ...valid, resourceLimits: 512 }],
    [
      'options.resourceLimits.maxOldGenerationSizeMb must be a positive number',
      { ...valid, resourceLimits: { maxOldGenerationSizeMb: -1 } },
    ],
    ['options.maxResultBytes must be a positive integer', { ...valid, maxResultBytes: 1.5 }],
    ['options.onProgress must be a function', { ...valid, onProgress: 'log' }],
    ['options.abortGraceMs must be a non-negative integer', { ...valid, abortGraceMs: -1 }],
    [
      'options.progressIntervalMs must be a non-negative integer',
      { ...valid, progressIntervalMs: Infinity },
    ],
  ])('refuses with "%s"', (message, options) => {
    expect(refusal(options)).toBe(message);
  });
});

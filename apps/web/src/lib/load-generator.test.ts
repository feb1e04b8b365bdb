import type { CadreClient, Job, JobRequest } from '@cadre/client';
import { CadreClientError } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { buildRequests, isFailing, runLoad, type LoadSpec } from './load-generator.js';

const spec: LoadSpec = {
  category: 'reports',
  task: 'sleep',
  input: { ms: 10 },
  count: 10,
  ratePerSec: 0,
  failShare: 0,
};

function recorder(failAt = -1) {
  const batches: JobRequest[][] = [];
  const client: Pick<CadreClient, 'submit'> = {
    submit: (async (requests: JobRequest[]) => {
      if (batches.length === failAt) throw new CadreClientError('ERR_INVALID', 'bad request', 400);
      batches.push(requests);
      return requests.map(() => ({}) as Job);
    }) as CadreClient['submit'],
  };
  return { client, batches };
}

describe('isFailing and buildRequests', () => {
  it('spreads the failing share evenly', () => {
    const flags = Array.from({ length: 10 }, (_, i) => isFailing(i, 0.3));
    expect(flags.filter(Boolean)).toHaveLength(3);
    expect(Array.from({ length: 8 }, (_, i) => isFailing(i, 0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 8 }, (_, i) => isFailing(i, 1)).every(Boolean)).toBe(true);
    expect(isFailing(0, 7)).toBe(true);
  });

  it('swaps failing jobs for the fail task in the same category', () => {
    const requests = buildRequests({ ...spec, failShare: 0.5 }, 0, 4);
    expect(requests.map((r) => r.task)).toEqual(['sleep', 'fail', 'sleep', 'fail']);
    expect(requests.every((r) => r.category === 'reports')).toBe(true);
    expect(requests[0]?.input).toEqual({ ms: 10 });
  });
});

describe('runLoad', () => {
  it('submits everything in bounded batches when the rate is unlimited', async () => {
    const { client, batches } = recorder();
    const result = await runLoad({
      client,
      spec: { ...spec, count: 25 },
      maxBatch: 10,
      sleep: async () => {},
    });
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(result).toEqual({ submitted: 25, total: 25, done: true });
  });

  it('paces by the rate using the clock it is given', async () => {
    let t = 0;
    const { client, batches } = recorder();
    const progress: number[] = [];
    await runLoad({
      client,
      spec: { ...spec, count: 10, ratePerSec: 20 },
      tickMs: 100,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      onProgress: (p) => progress.push(p.submitted),
    });
    // One job at t=0, then two per 100 ms tick.
    expect(batches.map((b) => b.length)).toEqual([1, 2, 2, 2, 2, 1]);
    expect(progress.at(-1)).toBe(10);
    expect(t).toBe(500);
  });

  it('stops at the first API error and reports it', async () => {
    const { client } = recorder(1);
    const result = await runLoad({
      client,
      spec: { ...spec, count: 30 },
      maxBatch: 10,
      sleep: async () => {},
    });
    expect(result).toMatchObject({ submitted: 10, done: true, error: 'bad request' });
  });

  it('stops when aborted', async () => {
    const { client, batches } = recorder();
    const controller = new AbortController();
    let t = 0;
    const result = await runLoad({
      client,
      spec: { ...spec, count: 100, ratePerSec: 10 },
      signal: controller.signal,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
        if (t >= 400) controller.abort();
      },
    });
    expect(result.submitted).toBeLessThan(100);
    expect(result.submitted).toBe(batches.flat().length);
  });
});

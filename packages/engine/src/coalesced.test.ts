import { describe, expect, it } from 'vitest';
import { Coalesced } from './coalesced.js';

/** A task whose runs wait until released, recording how many run at once. */
function gated() {
  const releases: (() => void)[] = [];
  const stats = { runs: 0, running: 0, most: 0 };
  const task = async () => {
    stats.runs += 1;
    stats.running += 1;
    stats.most = Math.max(stats.most, stats.running);
    await new Promise<void>((resolve) => releases.push(resolve));
    stats.running -= 1;
  };
  const release = async () => {
    await Promise.resolve();
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { task, release, stats };
}

describe('Coalesced', () => {
  it('runs once more for any number of asks made during a run, never two at once', async () => {
    const { task, release, stats } = gated();
    const c = new Coalesced(task, () => undefined);
    const first = c.ask();
    c.ask();
    c.ask();
    c.ask();
    await release();
    expect(stats.runs).toBe(2);
    await release();
    await first;
    expect(stats).toMatchObject({ runs: 2, most: 1, running: 0 });
    // Idle again: the next ask runs at once.
    const again = c.ask();
    expect(stats.runs).toBe(3);
    await release();
    await again;
  });

  it('reports a run that throws, and starts anew at the next ask', async () => {
    const failures: unknown[] = [];
    let calls = 0;
    const c = new Coalesced(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
      },
      (err) => failures.push(err),
    );
    await c.ask();
    expect(failures).toEqual([new Error('boom')]);
    await c.ask();
    expect(calls).toBe(2);
    expect(failures).toHaveLength(1);
  });

  it('runs no more once stopped, after the run in flight', async () => {
    const { task, release, stats } = gated();
    const c = new Coalesced(task, () => undefined);
    void c.ask();
    c.ask();
    const stopped = c.stop();
    await release();
    await stopped;
    expect(stats.runs).toBe(1);
    await c.ask();
    expect(stats.runs).toBe(1);
  });
});

/**
 * A short chaos run against the real server (child processes on 127.0.0.1,
 * kill -9, real data directory), chains and chords among its jobs: the
 * invariants of check-invariants.ts and check-flows.ts must hold. The full
 * run is `npm run chaos`.
 */
import { describe, expect, it } from 'vitest';
import { formatChaosReport } from './format-chaos.js';
import { runChaos } from './run-chaos.js';

describe('chaos (short)', () => {
  it('loses nothing acknowledged, re-runs only what a kill interrupted, fires each callback once', async () => {
    const report = await runChaos({
      rounds: 3,
      seed: 20_250_101,
      maxSeconds: 25,
      upMs: [400, 1500],
      earlyKillShare: 0,
      rate: 60,
      drainTimeoutMs: 30_000,
    });
    const text = formatChaosReport(report);
    expect(report.serverProblems, text).toEqual([]);
    expect(report.rejected, text).toEqual([]);
    expect(report.verdict?.violations, text).toEqual({});
    expect(report.rounds).toBe(3);
    const { acknowledged, flows } = report.verdict!.figures;
    expect(acknowledged + flows.jobs, text).toBeGreaterThan(30);
    expect(report.verdict!.figures.executions, text).toBeGreaterThan(0);
    expect(flows.chains + flows.groups, text).toBeGreaterThan(0);
    expect(flows.fired + flows.dropped, text).toBeGreaterThan(0);
    expect(report.ok, text).toBe(true);
  }, 60_000);
});

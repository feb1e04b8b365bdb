/**
 * A short cluster chaos run: three node processes on this file's own
 * PostgreSQL database, kill -9 of one node (the leader in some rounds) per
 * round, chains and chords among the jobs; the invariants of
 * check-invariants.ts and check-flows.ts must hold. The full run is
 * `npm run chaos -- --cluster`.
 */
import { createTestDatabase, type TestDatabase } from '@cadre/postgres/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChaosReport } from './format-chaos.js';
import { runClusterChaos } from './run-cluster-chaos.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 30_000);
afterAll(async () => {
  await db?.drop();
});

describe('cluster chaos (short)', () => {
  it('loses nothing acknowledged when nodes, the leader among them, die by kill -9', async () => {
    const report = await runClusterChaos({
      databaseUrl: db.url,
      rounds: 3,
      seed: 20_250_101,
      maxSeconds: 40,
      upMs: [400, 1200],
      leaderShare: 0.5,
      rate: 60,
      drainTimeoutMs: 30_000,
    });
    const text = formatChaosReport(report);
    expect(report.serverProblems, text).toEqual([]);
    expect(report.rejected, text).toEqual([]);
    expect(report.verdict?.violations, text).toEqual({});
    expect(report.rounds, text).toBe(3);
    expect(report.cluster?.leaderKills, text).toBeGreaterThanOrEqual(1);
    expect(report.cluster?.leaderKills, text).toBeLessThan(3);
    const { acknowledged, flows } = report.verdict!.figures;
    expect(acknowledged + flows.jobs, text).toBeGreaterThan(30);
    expect(report.verdict!.figures.executions, text).toBeGreaterThan(0);
    expect(flows.chains + flows.groups, text).toBeGreaterThan(0);
    expect(flows.fired + flows.dropped, text).toBeGreaterThan(0);
    expect(report.ok, text).toBe(true);
  }, 90_000);
});

/**
 * Exactly-once ticks across kill -9 (issue 13): a schedule every 200 ms
 * while its server, then the cluster's leader, is killed again and again.
 */
import { createTestDatabase, type TestDatabase } from '@cadre/postgres/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduleChaos } from './schedule-chaos.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 30_000);
afterAll(async () => {
  await db?.drop();
});

describe('schedules under kill -9', () => {
  it('a local server: every tick between the first and the last made exactly one job', async () => {
    const report = await runScheduleChaos({ database: null, rounds: 5, seed: 7 });
    const text = JSON.stringify(report, null, 2);
    expect(report.problems, text).toEqual([]);
    expect(report.duplicates, text).toEqual([]);
    expect(report.missing, text).toEqual([]);
    expect(report.strays, text).toEqual([]);
    // Five kills at 0.4 to 1.5 s apart: well over a tick per round.
    expect(report.ticks, text).toBeGreaterThan(10);
    expect(report.ok, text).toBe(true);
  }, 90_000);

  it('a cluster of three whose leader dies: the same, fired by whichever node leads', async () => {
    const report = await runScheduleChaos({
      database: { url: db.url, schema: db.schemaName() },
      rounds: 4,
      seed: 11,
    });
    const text = JSON.stringify(report, null, 2);
    expect(report.problems, text).toEqual([]);
    expect(report.duplicates, text).toEqual([]);
    expect(report.missing, text).toEqual([]);
    expect(report.strays, text).toEqual([]);
    expect(report.leaderKills, text).toBe(4);
    expect(report.ticks, text).toBeGreaterThan(10);
    expect(report.ok, text).toBe(true);
  }, 120_000);
});

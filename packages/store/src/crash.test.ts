/**
 * kill -9 at a random moment, again and again on the same directory: every
 * acknowledged job must come back, once, whole, at least as far along its
 * life (submitted, started, finished) as was acknowledged.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openLowdbStore } from './lowdb-store.js';
import { lifeOf } from './test-support/jobs.js';
import { makeTmpDir } from './test-support/tmp-dir.js';

const CHILD = fileURLToPath(new URL('./test-support/crash-child.ts', import.meta.url));
const ROUNDS = 15;

let tmp: Awaited<ReturnType<typeof makeTmpDir>>;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await tmp.remove();
});

interface Round {
  /** The furthest stage acknowledged, by id. */
  acknowledged: Map<string, number>;
  compactions: number;
  stderr: string;
}

/** Runs the child until `killAfterMs` after it is ready, then SIGKILLs it. */
function runAndKill(dir: string, tag: string, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, tag, '32768'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child never became ready: ${stderr}`));
    }, 20_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (timer === undefined && out.startsWith('ready\n')) {
        clearTimeout(deadline);
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child ended by itself (code ${code}): ${stderr}`));
        return;
      }
      // A line cut by the kill was never complete; its ids are not counted.
      const lines = out.split('\n').slice(1, -1);
      const acknowledged = new Map<string, number>();
      for (const line of lines.filter((l) => l !== 'compacted')) {
        const [stage, ...ids] = line.split(' ');
        for (const id of ids) acknowledged.set(id, Number(stage));
      }
      resolve({
        acknowledged,
        compactions: lines.filter((l) => l === 'compacted').length,
        stderr,
      });
    });
  });
}

it(`keeps every acknowledged job through ${ROUNDS} kill -9s, compactions included`, async () => {
  const acknowledged = new Map<string, number>();
  let compactions = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const killAfterMs = 10 + Math.floor(Math.random() * 290);
    const result = await runAndKill(tmp.dir, `r${round}`, killAfterMs);
    for (const [id, stage] of result.acknowledged) acknowledged.set(id, stage);
    compactions += result.compactions;

    // The child is dead: its lock is stale and is taken over.
    const store = await openLowdbStore({ dir: tmp.dir, logger: { warn: () => undefined } });
    const { jobs } = await store.load();
    await store.close();
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.size, 'no duplicates').toBe(jobs.length);
    const missing = [...acknowledged.keys()].filter((id) => !byId.has(id));
    expect(missing, `round ${round} (killed after ${killAfterMs} ms)`).toEqual([]);
    for (const job of jobs) {
      // Whole: exactly one record of its life, and no earlier than acknowledged.
      const stage = lifeOf(job.id).records.findIndex((record) => isDeepStrictEqual(record, job));
      expect(stage, `job ${job.id} is one of its life's records`).toBeGreaterThanOrEqual(0);
      expect(stage, `job ${job.id}`).toBeGreaterThanOrEqual(acknowledged.get(job.id) ?? 0);
    }
  }
  expect(acknowledged.size).toBeGreaterThan(ROUNDS);
  expect([...acknowledged.values()].filter((stage) => stage === 2).length).toBeGreaterThan(ROUNDS);
  expect(compactions, 'some compactions happened during the runs').toBeGreaterThan(0);
}, 240_000);

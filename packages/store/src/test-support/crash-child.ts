/**
 * Run by crash.test.ts as `node --import tsx crash-child.ts <dir> <tag> <compactMinBytes>`:
 * opens the store and, in concurrent lanes, takes batches of jobs through
 * their life as fast as it can (submitted whole, started and finished as
 * updates), printing `<stage> <id> …` once each commit has resolved (stage
 * 0 queued, 1 running, 2 succeeded), until it is killed. stdout to a pipe is
 * synchronous on Linux, so a printed line left the process.
 */
import type { Mutation } from '../job-store.js';
import { openLowdbStore } from '../lowdb-store.js';
import { lifeOf } from './jobs.js';

const [dir, tag, compactMinBytes] = process.argv.slice(2);
if (dir === undefined || tag === undefined)
  throw new Error('usage: crash-child <dir> <tag> [compactMinBytes]');

const store = await openLowdbStore({
  dir,
  compactMinBytes: Number(compactMinBytes ?? 65_536),
  compactRatio: 0.5,
  snapshotChunkSize: 200,
  logger: {
    warn: (details, message) => process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
  },
});
process.stdout.write('ready\n');

let next = 0;
let compactions = 0;
const LANES = 8;

async function lane(): Promise<never> {
  for (;;) {
    const size = 1 + Math.floor(Math.random() * 20);
    const ids = Array.from({ length: size }, () => `${tag}-${next++}`);
    const lives = ids.map(lifeOf);
    const stages: Mutation[][] = [
      lives.map(({ records }) => ({ op: 'put', job: records[0] })),
      lives.map(({ records }) => ({ op: 'update', prev: records[0], job: records[1] })),
      lives.map(({ records, resultJson }) => ({
        op: 'update',
        prev: records[1],
        job: records[2],
        resultJson,
      })),
    ];
    for (const [stage, mutations] of stages.entries()) {
      await store.commit(mutations);
      process.stdout.write(`${stage} ${ids.join(' ')}\n`);
    }
    const done = store.stats().compactions;
    if (done > compactions) {
      compactions = done;
      process.stdout.write('compacted\n');
    }
  }
}

await Promise.all(Array.from({ length: LANES }, lane));

/**
 * Run by crash.test.ts as `node --import tsx crash-child.ts <dir> <tag> <compactMinBytes>`:
 * opens the store, commits jobs as fast as it can in concurrent batches, and
 * prints each id only once its commit has resolved, until it is killed.
 * stdout to a pipe is synchronous on Linux, so a printed id left the process.
 */
import { openLowdbStore } from '../lowdb-store.js';
import { makeJob } from './jobs.js';

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
    await store.commit(ids.map((id) => ({ op: 'put' as const, job: makeJob(id) })));
    process.stdout.write(`${ids.join(' ')}\n`);
    const done = store.stats().compactions;
    if (done > compactions) {
      compactions = done;
      process.stdout.write('compacted\n');
    }
  }
}

await Promise.all(Array.from({ length: LANES }, lane));

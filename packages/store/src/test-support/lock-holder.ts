/**
 * Run by lock-file.test.ts as `node --import tsx lock-holder.ts <mode> <dir> [id]`:
 *   hold <dir> <id>  opens the store, commits job <id>, prints `held <pid>`, and
 *                    waits to be killed (the heartbeat keeps the loop alive);
 *   open <dir>       opens the store, prints `opened <ids…>` or `refused <code> <message>`,
 *                    closes it and exits.
 */
import { isCadreError } from '@cadre/core';
import { openLowdbStore } from '../lowdb-store.js';
import { makeJob } from './jobs.js';

const [mode, dir, id] = process.argv.slice(2);
if ((mode !== 'hold' && mode !== 'open') || dir === undefined) {
  throw new Error('usage: lock-holder hold|open <dir> [id]');
}

try {
  const store = await openLowdbStore({ dir, logger: { warn: () => undefined } });
  if (mode === 'hold') {
    await store.commit([{ op: 'put', job: makeJob(id ?? 'held') }]);
    process.stdout.write(`held ${process.pid}\n`);
    setInterval(() => undefined, 60_000);
  } else {
    const { jobs } = await store.load();
    process.stdout.write(`opened ${jobs.map((j) => j.id).join(' ')}\n`);
    await store.close();
  }
} catch (err) {
  if (!isCadreError(err)) throw err;
  process.stdout.write(`refused ${err.code} ${err.message}\n`);
}

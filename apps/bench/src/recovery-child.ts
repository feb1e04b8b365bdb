/**
 * Run in a fresh process by the benchmark, so that its memory figures are its own:
 *   fill DIR N   queues N echo jobs in a paused category on the lowdb store in DIR
 *   open DIR     starts an engine on DIR and prints { startMs, rssMb, heapMb, queued }
 */
import { openLowdbStore } from '@cadre/store';
import { createEngine } from '@cadre/engine';
import { benchConfig } from './engine-bench.js';

const [mode, dir, n] = process.argv.slice(2);
if (!dir || (mode !== 'fill' && mode !== 'open')) {
  console.error('usage: recovery-child fill DIR N | open DIR');
  process.exit(2);
}
const config = benchConfig(1);
const t0 = performance.now();
const engine = createEngine({ config, store: await openLowdbStore({ dir }) });
await engine.start();
const startMs = performance.now() - t0;
if (mode === 'fill') {
  await engine.patchCategory('default', { paused: true });
  const total = Number(n);
  for (let i = 0; i < total; i += 10_000) {
    await engine.submit(
      Array.from({ length: Math.min(10_000, total - i) }, () => ({ task: 'echo', input: { i } })),
    );
  }
}
global.gc?.();
const mem = process.memoryUsage();
console.log(
  JSON.stringify({
    startMs,
    rssMb: mem.rss / 2 ** 20,
    heapMb: mem.heapUsed / 2 ** 20,
    queued: (await engine.stats()).queued,
  }),
);
await engine.stop({ graceMs: 0 });

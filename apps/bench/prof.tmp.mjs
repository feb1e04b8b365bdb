import { startBenchEngine, engineRate } from './dist/engine-bench.js';
const kind = process.argv[2] ?? 'memory';
const e = await startBenchEngine(2, kind);
await engineRate(e.engine, 5000, { task: 'echo', input: { n: 1 } });
console.log(kind, await engineRate(e.engine, 100000, { task: 'echo', input: { n: 1 } }));
await e.close();

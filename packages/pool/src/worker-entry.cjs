'use strict';
/**
 * The file piscina loads in each thread; it loads the pool's thread side
 * (`worker.js`, an ES module) with `import()`.
 *
 * piscina `require()`s its filename first. On Node 20.19 and later, a
 * `require()` of an ES module links the module graph synchronously, and a
 * thread terminated in the middle of that (a pool destroyed while its threads
 * start, or a thread replaced after a hard abort) aborts the whole process:
 * "FATAL ERROR: v8::Module::IsGraphAsync must be used on an instantiated
 * module". A CommonJS entry keeps every thread off that path; `import()` is
 * stopped cleanly by a termination.
 */
const { workerData } = require('node:worker_threads');

let runBatch = null;
const loading = import(workerData.entry).then((module) => {
  runBatch = module.default;
});

module.exports = function run(payload) {
  return runBatch !== null ? runBatch(payload) : loading.then(() => runBatch(payload));
};

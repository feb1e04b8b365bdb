// Preloaded into each worker thread when the pool runs from its TypeScript
// source (under vitest). Node 20's `--import tsx` leaves worker threads without
// its ESM hooks, so task modules written in .ts would not load; tsx's API
// registers them from inside the thread.
import { register } from 'tsx/esm/api';

register();

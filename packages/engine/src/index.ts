export { createEngine } from './engine.js';
export type { Clock, EngineOptions, Logger, PoolHooks } from './engine-options.js';
export { compileInputSchema, type InputCheck } from './input-validator.js';
export type { Engine, EngineEvents, ListPage, ListQuery, SubmitResult } from './types.js';

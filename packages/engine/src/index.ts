export {
  createEngine,
  type Clock,
  type EngineOptions,
  type Logger,
  type PoolHooks,
} from './engine.js';
export { compileInputSchema, type InputCheck } from './input-validator.js';
export type { Engine, EngineEvents, ListPage, ListQuery, SubmitResult } from './types.js';

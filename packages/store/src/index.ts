export type {
  AttemptRef,
  Backend,
  BackendEvents,
  Backlog,
  BackendLimits,
  BulkResult,
  CategoryCounts,
  ClaimTime,
  Completion,
  Fired,
  JobSpec,
  Lease,
  LimitedClaim,
  ListPage,
  ListQuery,
  NodeIdentity,
  NodeRecord,
  NodeReport,
  Observation,
  Opened,
  OpenOptions,
  SubmitResult,
} from './backend.js';
export { readClaimTime } from './backend.js';
export type { CategoryOverride, JobStore, Mutation, StoredState } from './job-store.js';
export { MemoryStore } from './memory-store.js';
export {
  LowdbStore,
  openLowdbStore,
  type LowdbStoreOptions,
  type LowdbStoreStats,
  type StoreLogger,
} from './lowdb-store.js';
export type { StoreFs } from './store-fs.js';
export {
  benchStore,
  type BenchStoreOptions,
  type CommitFigures,
  type CompactionFigures,
  type RecoveryFigures,
  type StoreBenchResult,
} from './bench.js';
export { createIdGenerator, idBelowTime } from './ids.js';
export { CommitBatcher, type CommitBatcherOptions } from './commit-batcher.js';
export {
  LocalBackend,
  createLocalBackend,
  type LocalBackendLogger,
  type LocalBackendOptions,
} from './local-backend.js';

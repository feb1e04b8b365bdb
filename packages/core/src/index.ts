export {
  apportion,
  apportionShares,
  nextCredit,
  type Apportionment,
  type CategoryDemand,
  type Credit,
} from './apportion.js';
export { backoffDelay, fibonacci } from './backoff.js';
export { BATCHING, JobTime, batchLimit, nextBatchSize, type BatchPolicy } from './batching.js';
export { CLAIM_AHEAD, claimAhead, type ClaimAheadPolicy } from './claim-ahead.js';
export {
  BACKOFF_KINDS,
  MAX_CONCURRENCY,
  type BackoffKind,
  type BackoffPolicy,
  type CategoryConfig,
  type ClusterTimings,
  type EngineConfig,
  type NodeConfig,
  type RetentionLimits,
  type RetentionPolicy,
  type TaskConfig,
} from './config.js';
export { DelayQueue } from './delay-queue.js';
export { Emitter } from './emitter.js';
export { EndRate } from './end-rate.js';
export {
  CadreError,
  ERROR_CODES,
  Errors,
  isCadreError,
  toErrorMessage,
  type ErrorCode,
  type InputIssue,
} from './errors.js';
export { FifoQueue } from './fifo-queue.js';
export {
  HISTORY_KEEP_MS,
  HISTORY_MINUTE_MS,
  HISTORY_RANGES,
  HISTORY_RANGE_NAMES,
  HistoryRecorder,
  MAX_TARGET_WAIT_MS,
  addRows,
  historyKeptFrom,
  historyKey,
  historyPoints,
  historyRowProblem,
  historySince,
  minuteOf,
  sumRows,
  waitOf,
  type HistoryPoint,
  type HistoryRange,
  type HistoryRow,
  type HistoryView,
} from './history.js';
export {
  HISTOGRAM_MAX_BUCKET,
  HISTOGRAM_SUB_BUCKETS,
  LatencyHistogram,
  bucketOf,
  bucketValue,
  histogramCount,
  histogramProblem,
  histogramQuantile,
  mergeHistograms,
  type HistogramData,
} from './latency-histogram.js';
export { PriorityQueue } from './priority-queue.js';
export { JobIndex, type IndexPage, type IndexQuery } from './job-index.js';
export {
  ERROR_KINDS,
  FAILURE_REASONS,
  FINISHED_STATES,
  FLOW_ROLES,
  JOB_STATES,
  MAX_PRIORITY,
  MIN_PRIORITY,
  UNFINISHED_STATES,
  isFinished,
  type ErrorKind,
  type FailureReason,
  type FinishedState,
  type FlowRole,
  type Job,
  type JobError,
  type JobState,
  type JobTrigger,
  type Json,
  type NewJob,
  type UnfinishedState,
} from './job.js';
export type { AttemptOutcome, OutcomeKind } from './outcome.js';
export {
  balanceCluster,
  offersTags,
  type ClusterBalance,
  type ClusterDemand,
  type ClusterNode,
} from './placement.js';
export {
  LIMIT_HEADROOM,
  checkQueueLimits,
  clearOfLimits,
  countByCategory,
  type QueueLimits,
} from './queue-limits.js';
export {
  MAX_RATE_STARTS,
  MAX_RATE_WINDOW_MS,
  StartWindow,
  rateLimitProblem,
  rateLimitedThreads,
  type RateLimit,
} from './rate-limit.js';
export { RateWindow } from './rate-window.js';
export { FinishedJobs, forgottenAtEnd, isRetainedAs, type RetainedJobRef } from './retention.js';
export type {
  InferSchemaInput,
  InferSchemaOutput,
  InferTaskInput,
  InferTaskOutput,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
  TaskContext,
  TaskDefinition,
  TaskHandler,
} from './task-definition.js';
export {
  TRANSITIONS,
  canTransition,
  createJob,
  retriesLeft,
  transition,
  withProgress,
  type JobEvent,
  type JobEventType,
} from './transitions.js';
export type {
  Allocation,
  CategoryPatch,
  CategoryView,
  ChainRequest,
  GroupRequest,
  JobRequest,
  NodeView,
  RetryChanges,
  Stats,
  TaskView,
} from './views.js';
export {
  FLOW_KINDS,
  FLOW_STATES,
  MAX_CALLBACK_DEPTH,
  MAX_CHAIN_JOBS,
  MAX_GROUP_JOBS,
  MAX_REQUEST_JOBS,
  flowView,
  settleDependents,
  type Flow,
  type FlowGraph,
  type FlowKind,
  type FlowState,
} from './flows.js';
export {
  CATCH_UP_MODES,
  MAX_CATCH_UP_TICKS,
  MIN_EVERY_MS,
  Ticks,
  dueTicks,
  isTimeZone,
  type CatchUp,
  type DueTicks,
  type Timing,
} from './ticks.js';
export {
  checkName,
  checkSchedule,
  pausedSchedule,
  sameTiming,
  savedSchedule,
  scheduleKey,
  scheduleView,
  tickedSchedule,
  type DeclaredIn,
  type ScheduleRecord,
  type ScheduleRequest,
  type ScheduleSpec,
  type ScheduleView,
} from './schedules.js';
export {
  MAX_OBSERVER_IDS,
  MAX_OBSERVER_RESULTS,
  checkObserver,
  createdNoLaterThan,
  keepsEvaluation,
  observerTiming,
  observerView,
  savedObserver,
  type ObserverQuery,
  type ObserverRecord,
  type ObserverRequest,
  type ObserverResult,
  type ObserverSpec,
  type ObserverView,
} from './observers.js';
export {
  BULK_ACTIONS,
  MAX_BULK_IDS,
  allowsBulk,
  bulkStates,
  type BulkAction,
  type BulkFilter,
  type BulkOutcome,
  type BulkRequest,
} from './bulk.js';

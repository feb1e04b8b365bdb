export { CadreClientError, isCadreClientError } from './errors.js';
export type {
  AllocationPayload,
  ClientToServerEvents,
  ServerToClientEvents,
  SnapshotPayload,
} from './events.js';
export {
  createClient,
  type Access,
  type AccessView,
  type CadreClient,
  type ClientOptions,
  type JobPage,
  type ListOptions,
} from './http-client.js';
export type {
  AnyTasks,
  TaskInputOf,
  TaskMap,
  TypedCallbackRequest,
  TypedChainRequest,
  TypedGroupRequest,
  TypedJobRequest,
} from './typed-tasks.js';
export {
  connectLive,
  type CadreSocket,
  type ConnectionState,
  type LiveClient,
  type LiveOptions,
} from './live-client.js';
// The job state machine's vocabulary, for clients that show or steer jobs,
// the bounds of a category's `concurrency` and `rateLimit` and of a job's
// `priority`, for forms that edit them, the flows' vocabulary and bounds,
// and the catch-up modes of schedules.
export {
  CATCH_UP_MODES,
  FLOW_KINDS,
  FLOW_ROLES,
  FLOW_STATES,
  JOB_STATES,
  MAX_CHAIN_JOBS,
  MAX_CONCURRENCY,
  MAX_GROUP_JOBS,
  MAX_PRIORITY,
  MAX_RATE_STARTS,
  MAX_RATE_WINDOW_MS,
  MIN_PRIORITY,
  TRANSITIONS,
  isFinished,
} from '@cadre/core';
export type {
  Allocation,
  CategoryPatch,
  CategoryView,
  ChainRequest,
  Flow,
  FlowKind,
  FlowRole,
  FlowState,
  GroupRequest,
  Job,
  JobRequest,
  JobState,
  JobTrigger,
  Json,
  NodeView,
  RateLimit,
  ObserverQuery,
  ObserverRequest,
  ObserverResult,
  ObserverView,
  RetryChanges,
  ScheduleRequest,
  ScheduleView,
  Stats,
  TaskView,
} from '@cadre/core';
